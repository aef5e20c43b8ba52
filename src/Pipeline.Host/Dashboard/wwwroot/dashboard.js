// The built-in dashboard: polls /api/dashboard/* and updates the charts in place (no page reload).
// window.dashboardState says what the page shows, for people debugging it and for the browser test.
(() => {
  'use strict';

  const palette = ['#2f6fde', '#e8743b', '#19a979', '#945ecf', '#ed4a7b', '#13a4b4', '#bf399e', '#6c8893',
    '#f2b134', '#525df4', '#d0473a', '#7cb342', '#8d6e63', '#00897b'];
  const el = id => document.getElementById(id);
  const state = window.dashboardState = {
    refreshes: 0, lastRefresh: null, error: null, options: null, feedPostIds: [], newestPostId: null,
    refreshMilliseconds: 5000, feedSize: 25,
  };
  let feedFilter = null;
  let timer = null;

  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;
  const noLegend = { legend: { display: false } };

  const charts = {
    topics: new Chart(el('chart-topics'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'Posts', data: [], backgroundColor: palette }] },
      options: { indexAxis: 'y', plugins: noLegend, scales: { x: { beginAtZero: true } } },
    }),
    histogram: new Chart(el('chart-histogram'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'Posts', data: [], backgroundColor: [], barPercentage: 1, categoryPercentage: 0.96 }] },
      options: {
        plugins: noLegend,
        scales: { x: { title: { display: true, text: 'sentiment score (0 negative → 1 positive)' } }, y: { beginAtZero: true } },
      },
    }),
    weekly: new Chart(el('chart-weekly'), {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'right' } },
        scales: { y: { beginAtZero: true, title: { display: true, text: 'posts per week' } } },
      },
    }),
    companies: new Chart(el('chart-companies'), {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        spanGaps: true,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'right' } },
        scales: { y: { min: 0, max: 1, title: { display: true, text: 'mean sentiment score' } } },
      },
    }),
    funnel: new Chart(el('chart-funnel'), {
      type: 'bar',
      data: { labels: ['collected', 'relevant', 'stored'], datasets: [{ label: 'Posts', data: [], backgroundColor: ['#9aa9bb', '#5b8def', '#19a979'] }] },
      options: { indexAxis: 'y', plugins: noLegend, scales: { x: { beginAtZero: true } } },
    }),
  };
  state.charts = charts;

  // Red (0) through yellow to green (1), like the original's Tableau histogram.
  const scoreColour = score => `hsl(${Math.round(Math.max(0, Math.min(1, score)) * 120)}, 68%, 46%)`;
  const number = n => Number(n).toLocaleString('en-US');

  function filterQuery() {
    const query = new URLSearchParams();
    for (const name of ['company', 'from', 'to', 'topic']) {
      const value = el(name).value;
      if (value) query.set(name, value);
    }
    return query;
  }

  async function getJson(path, query) {
    const response = await fetch(`/api/dashboard/${path}${query && [...query].length ? '?' + query : ''}`, { cache: 'no-store' });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || `${path}: HTTP ${response.status}`);
    return body;
  }

  function fillSelect(select, items, value, text) {
    const current = select.value;
    select.length = 1;
    for (const item of items) select.add(new Option(text(item), value(item)));
    if ([...select.options].some(o => o.value === current)) select.value = current;
  }

  async function loadOptions() {
    const options = state.options = await getJson('options');
    state.refreshMilliseconds = options.refreshMilliseconds;
    state.feedSize = options.feedSize;
    fillSelect(el('company'), options.companies, c => c.id, c => c.name);
    fillSelect(el('topic'), options.topics, t => String(t.id), t => `${t.id}: ${t.label}`);
    for (const name of ['from', 'to']) {
      el(name).min = options.firstDay || '';
      el(name).max = options.lastDay || '';
    }
    el('total-posts').textContent = number(options.posts);
  }

  function weeklyDatasets(chart, lines, colourOf) {
    chart.data.datasets = lines.map((line, i) => ({
      label: line.label, data: line.values, borderColor: colourOf(line, i), backgroundColor: colourOf(line, i),
      pointRadius: 2, borderWidth: 2, tension: 0.25,
    }));
  }

  function showTopics(topics) {
    charts.topics.data.labels = topics.map(t => t.label);
    charts.topics.data.datasets[0].data = topics.map(t => t.posts);
    charts.topics.data.datasets[0].backgroundColor = topics.map(t => t.topicId == null ? '#b7c0cc' : palette[t.topicId % palette.length]);
    charts.topics.update();
    el('selected-posts').textContent = number(topics.reduce((sum, t) => sum + t.posts, 0));
  }

  function showHistogram(histogram) {
    const dataset = charts.histogram.data.datasets[0];
    charts.histogram.data.labels = histogram.bins.map(b => b.from.toFixed(2));
    dataset.data = histogram.bins.map(b => b.posts);
    dataset.backgroundColor = histogram.bins.map(b => scoreColour((b.from + b.to) / 2));
    charts.histogram.update();
    el('unscored').textContent = histogram.unscored ? `(${number(histogram.unscored)} not scored yet)` : '';
  }

  function showWeekly(weekly) {
    charts.weekly.data.labels = weekly.weeks;
    weeklyDatasets(charts.weekly, weekly.lines, line => line.key === 'none' ? '#b7c0cc' : palette[Number(line.key) % palette.length]);
    charts.weekly.update();
  }

  function showCompanies(companies) {
    charts.companies.data.labels = companies.weeks;
    weeklyDatasets(charts.companies, companies.lines, (line, i) => palette[i % palette.length]);
    charts.companies.update();
  }

  function showFunnel(funnel) {
    charts.funnel.data.datasets[0].data = [funnel.collected, funnel.relevant, funnel.stored];
    charts.funnel.update();
    const drops = el('drops');
    drops.replaceChildren(...funnel.drops.map(d => {
      const item = document.createElement('li');
      item.append(`${d.reason.replaceAll('_', ' ')} `, Object.assign(document.createElement('b'), { textContent: number(d.posts) }));
      return item;
    }));
  }

  function feedItem(post, isNew) {
    const item = document.createElement('li');
    item.dataset.postId = post.postId;
    if (isNew) item.className = 'new';
    const meta = document.createElement('div');
    meta.className = 'meta';
    const span = (className, text) => Object.assign(document.createElement('span'), { className, textContent: text });
    meta.append(
      span('company', post.company),
      span('time', new Date(post.createdAt).toISOString().replace('T', ' ').slice(0, 16) + ' UTC'),
      span('author', '@' + post.author));
    if (post.topicLabel) meta.append(span('topic', post.topicLabel));
    if (post.sentimentLabel) {
      const sentiment = span('sentiment', `${post.sentimentLabel} ${post.sentimentScore.toFixed(2)}`);
      sentiment.style.background = scoreColour(post.sentimentScore);
      meta.append(sentiment);
    }
    item.append(meta, span('text', post.text));
    return item;
  }

  async function refreshFeed(query) {
    const key = query.toString();
    const incremental = feedFilter === key && state.newestPostId !== null;
    const feedQuery = new URLSearchParams(query);
    feedQuery.set('limit', state.feedSize);
    if (incremental) feedQuery.set('after', state.newestPostId);
    const posts = await getJson('feed', feedQuery);
    const feed = el('feed');
    if (!incremental) feed.replaceChildren();
    feedFilter = key;
    feed.prepend(...posts.map(p => feedItem(p, incremental)));
    while (feed.children.length > state.feedSize) feed.lastElementChild.remove();
    state.feedPostIds = [...feed.children].map(li => li.dataset.postId);
    if (state.feedPostIds.length) state.newestPostId = state.feedPostIds[0];
  }

  // Which node runs each scraper (GET /status/cluster). Its own failure shows a dash: the charts do not depend on it.
  async function refreshCluster() {
    try {
      const response = await fetch('/status/cluster', { cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const cluster = await response.json();
      el('cluster-nodes').textContent = number(cluster.nodeCount);
      el('cluster-moved').textContent = cluster.lastMoved ? `last move ${new Date(cluster.lastMoved).toLocaleTimeString('en-GB')}` : '';
      const hostPort = address => address.replace(/^akka\.tcp:\/\/[^@]*@/, '');
      el('placements').replaceChildren(...cluster.scrapers.map(scraper => {
        const item = document.createElement('li');
        const node = Object.assign(document.createElement('span'), {
          className: scraper.node ? 'node' : 'node unplaced',
          textContent: scraper.node ? hostPort(scraper.node) + (scraper.node === cluster.self ? ' (this node)' : '') : 'moving',
        });
        item.append(Object.assign(document.createElement('span'), { textContent: scraper.entity }), node);
        return item;
      }));
    } catch {
      el('cluster-nodes').textContent = '–';
    }
  }

  // A filter change starts a refresh while another may be in flight; only the latest one draws.
  let generation = 0;

  async function refresh() {
    clearTimeout(timer);
    const mine = ++generation;
    const query = filterQuery();
    try {
      // Cheap (it reads the daily rollup), and keeps the totals and the topic list current.
      await loadOptions();
      const [topics, histogram, weekly, companies, funnel] = await Promise.all(
        ['topics', 'sentiment-histogram', 'weekly-topics', 'company-sentiment', 'funnel'].map(p => getJson(p, query)));
      if (mine !== generation) return;
      showTopics(topics);
      showHistogram(histogram);
      showWeekly(weekly);
      showCompanies(companies);
      showFunnel(funnel);
      await refreshFeed(query);
      await refreshCluster();
      // The grid settles after the charts are made; fit each to its card again.
      for (const chart of Object.values(charts)) chart.resize();
      state.error = null;
      state.refreshes++;
      state.lastRefresh = new Date();
      el('last-refresh').textContent = state.lastRefresh.toLocaleTimeString('en-GB');
    } catch (error) {
      if (mine !== generation) return;
      state.error = String(error.message || error);
    }
    el('error').hidden = state.error === null;
    el('error').textContent = state.error ? `⚠ ${state.error}` : '';
    clearTimeout(timer);
    timer = setTimeout(refresh, state.refreshMilliseconds);
  }

  el('filters').addEventListener('change', () => refresh());
  el('reset').addEventListener('click', () => {
    el('filters').reset();
    refresh();
  });
  refresh();
})();
