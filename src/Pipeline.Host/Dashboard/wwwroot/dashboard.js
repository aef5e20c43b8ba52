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
  // Share of voice of all posts or of negative posts; company table order.
  let sovMeasure = 'posts';
  let companySort = 'score';
  // /?alert={id}: the alert the page opened on (from a webhook's link); scrolled to once.
  const focusId = new URLSearchParams(location.search).get('alert');
  let focusScrolled = false;
  const expandedAlerts = new Map(); // alert id -> its posts, once fetched

  const severityColour = { critical: '#c62828', major: '#e8743b', warning: '#d9a400' };
  const signalName = {
    volume_spike: 'Volume spike', negative_shift: 'Negative shift', emerging_topic: 'Emerging topic', unclassified_growth: 'Unclassified growth',
  };

  // Marks on a category x axis, drawn under the data: options.plugins.marks.items holds
  // { from, to, colour, kind: 'band' | 'marker' | 'partial', label } with from/to as label indexes.
  // Ours rather than a vendor annotation plugin: a few rectangles, triangles and a hatch.
  const marksPlugin = {
    id: 'marks',
    beforeDatasetsDraw(chart, args, options) {
      const items = options.items || [];
      if (!items.length) return;
      const { ctx, chartArea: area, scales: { x } } = chart;
      const half = x.ticks.length > 1 ? Math.abs(x.getPixelForValue(1) - x.getPixelForValue(0)) / 2 : (area.right - area.left) / 2;
      ctx.save();
      for (const item of items) {
        const left = Math.max(area.left, x.getPixelForValue(item.from) - half);
        const right = Math.min(area.right, x.getPixelForValue(item.to) + half);
        if (right <= left) continue;
        if (item.kind === 'band') {
          ctx.fillStyle = item.colour + '33';
          ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
          ctx.fillStyle = item.colour;
          ctx.fillRect(left, area.top, right - left, 3);
        } else if (item.kind === 'marker') {
          const centre = x.getPixelForValue(item.from);
          ctx.strokeStyle = item.colour;
          ctx.setLineDash([3, 3]);
          ctx.beginPath();
          ctx.moveTo(centre, area.top + 8);
          ctx.lineTo(centre, area.bottom);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = item.colour;
          ctx.beginPath();
          ctx.moveTo(centre - 6, area.top);
          ctx.lineTo(centre + 6, area.top);
          ctx.lineTo(centre, area.top + 9);
          ctx.closePath();
          ctx.fill();
        } else if (item.kind === 'partial') {
          // Hatched: the week's posts so far, not a fall in volume.
          ctx.beginPath();
          ctx.rect(left, area.top, right - left, area.bottom - area.top);
          ctx.clip();
          ctx.strokeStyle = 'rgba(102, 118, 138, 0.25)';
          ctx.lineWidth = 1;
          for (let offset = left - (area.bottom - area.top); offset < right; offset += 8) {
            ctx.beginPath();
            ctx.moveTo(offset, area.bottom);
            ctx.lineTo(offset + (area.bottom - area.top), area.top);
            ctx.stroke();
          }
          ctx.restore();
          ctx.save();
          // Outside the clip: the label is wider than one week's column.
          ctx.fillStyle = '#8a5a00';
          ctx.font = `600 11px ${Chart.defaults.font.family}`;
          ctx.textAlign = 'right';
          ctx.fillText(item.label, right - 4, area.top + 24);
        }
      }
      ctx.restore();
    },
  };

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
        plugins: { legend: { position: 'right' }, marks: { items: [] } },
        scales: { y: { beginAtZero: true, title: { display: true, text: 'posts per week' } } },
      },
      plugins: [marksPlugin],
    }),
    hourly: new Chart(el('chart-hourly'), {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          { label: 'negative', data: [], backgroundColor: '#d0473a', stack: 'posts', barPercentage: 1, categoryPercentage: 0.9 },
          { label: 'other', data: [], backgroundColor: '#9db8e8', stack: 'posts', barPercentage: 1, categoryPercentage: 0.9 },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'right' }, marks: { items: [] } },
        scales: {
          x: { stacked: true, ticks: { autoSkip: true, maxRotation: 0, maxTicksLimit: 12 } },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'posts per hour' } },
        },
      },
      plugins: [marksPlugin],
    }),
    sov: new Chart(el('chart-sov'), {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        plugins: {
          legend: { position: 'right' },
          tooltip: { callbacks: { label: c => `${c.dataset.label}: ${c.parsed.y.toFixed(1)} %` } },
        },
        scales: {
          x: { stacked: true },
          y: { stacked: true, min: 0, max: 100, title: { display: true, text: '% of the week\'s posts' } },
        },
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
    const url = path.startsWith('../') ? `/api/${path.slice(3)}` : `/api/dashboard/${path}`;
    const response = await fetch(`${url}${query && [...query].length ? '?' + query : ''}`, { cache: 'no-store' });
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

  const monday = iso => {
    const day = new Date(iso.slice(0, 10) + 'T00:00:00Z');
    day.setUTCDate(day.getUTCDate() - (day.getUTCDay() + 6) % 7);
    return day.toISOString().slice(0, 10);
  };
  const percent = (value, digits = 1) => value == null ? '–' : `${(value * 100).toFixed(digits)} %`;
  const utc = iso => new Date(iso).toISOString().replace('T', ' ').slice(0, 16);
  const make = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  };

  function showWeekly(weekly, alerts) {
    const partial = weekly.partial;
    const last = weekly.weeks.length - 1;
    charts.weekly.data.labels = weekly.weeks;
    weeklyDatasets(charts.weekly, weekly.lines, line => line.key === 'none' ? '#b7c0cc' : palette[Number(line.key) % palette.length]);
    // The unfinished week is drawn dashed into a hatched column with its days counted, not as a fall.
    for (const dataset of charts.weekly.data.datasets) {
      dataset.segment = { borderDash: ctx => partial && ctx.p1DataIndex === last ? [6, 5] : undefined };
      dataset.pointStyle = dataset.data.map((_, i) => partial && i === last ? 'rectRot' : 'circle');
    }
    const items = [];
    for (const alert of alerts) {
      const index = weekly.weeks.indexOf(monday(alert.windowStart));
      if (index >= 0) items.push({ kind: 'marker', from: index, to: index, colour: severityColour[alert.severity] });
    }
    if (partial) items.push({ kind: 'partial', from: last, to: last, label: `partial week (${partial.daysElapsed} of 7 days)` });
    charts.weekly.options.plugins.marks.items = items;
    charts.weekly.update();
    el('weekly-partial').textContent = partial ? `week of ${partial.week} so far: ${partial.daysElapsed} of 7 days (dashed, hatched)` : '';
    state.weeklyPartial = partial;
  }

  function showHourly(hourly, alerts) {
    const hours = hourly.hours.map(h => new Date(h).getTime());
    charts.hourly.data.labels = hourly.hours.map(h => {
      const text = utc(h);
      return text.endsWith('00:00') ? text.slice(5, 10) + ' 00:00' : text.slice(11);
    });
    charts.hourly.data.datasets[0].data = hourly.negativePosts;
    charts.hourly.data.datasets[1].data = hourly.posts.map((n, i) => n - hourly.negativePosts[i]);
    const hour = 3600 * 1000;
    const items = [];
    if (hours.length) {
      // Topic alerts compare a week's share against four weeks: a band over the whole chart would say nothing.
      for (const alert of alerts.filter(a => a.signal !== 'emerging_topic' && a.signal !== 'unclassified_growth')) {
        const start = new Date(alert.windowStart).getTime(), end = new Date(alert.windowEnd).getTime();
        if (end <= hours[0] || start >= hours[hours.length - 1] + hour) continue;
        const from = Math.max(0, Math.floor((start - hours[0]) / hour));
        const to = Math.min(hours.length - 1, Math.ceil((end - hours[0]) / hour) - 1);
        items.push({ kind: 'band', from, to: Math.max(from, to), colour: severityColour[alert.severity] });
      }
    }
    charts.hourly.options.plugins.marks.items = items;
    charts.hourly.update();
    state.hourlyBands = items.length;
  }

  function showShareOfVoice(sov) {
    state.shareOfVoice = sov;
    const chosen = el('company').value;
    const key = sovMeasure === 'posts' ? 'shareOfPosts' : 'shareOfNegative';
    charts.sov.data.labels = sov.weeks.map(w => w.isPartial ? [w.week, `partial (${w.daysElapsed}/7 days)`] : w.week);
    charts.sov.data.datasets = sov.companies.map((line, i) => ({
      label: line.label,
      data: line[key].map(v => v == null ? null : v * 100),
      // The chosen company stands out; the others fade.
      backgroundColor: palette[i % palette.length] + (chosen && chosen !== line.key ? '40' : ''),
      borderColor: '#fff',
      borderWidth: 1,
    }));
    charts.sov.update();
    const lastIndex = sov.weeks.length - 1;
    el('sov-industry-week').textContent = lastIndex >= 0
      ? `(week of ${sov.weeks[lastIndex].week}${sov.weeks[lastIndex].isPartial ? ', partial' : ''}, ${sovMeasure === 'posts' ? 'all' : 'negative'} posts)` : '';
    el('sov-industries').replaceChildren(...sov.industries.map(line => {
      const item = make('li');
      const share = lastIndex >= 0 ? line[key][lastIndex] : null;
      const bar = make('span', 'bar');
      const fill = make('span', 'fill');
      fill.style.width = `${Math.round((share || 0) * 100)}%`;
      bar.append(fill);
      item.append(make('span', 'name', line.label), bar, make('b', null, percent(share)));
      return item;
    }));
  }

  // A tiny inline SVG line of values in [0, 1] (null: gap), built with DOM calls (the CSP allows no inline markup styles).
  function sparkline(values, className) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    const width = 96, height = 22;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('class', className || 'spark');
    const present = values.filter(v => v != null);
    const min = Math.min(...present, 1), max = Math.max(...present, 0);
    const span = max - min || 1;
    const step = values.length > 1 ? (width - 4) / (values.length - 1) : 0;
    let d = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v == null) { pen = false; return; }
      const x = 2 + i * step, y = height - 2 - (v - min) / span * (height - 4);
      d += `${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)} `;
      pen = true;
    });
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d.trim() || 'M0,0');
    svg.append(path);
    const lastIndex = values.length - 1;
    if (values[lastIndex] != null) {
      const dot = document.createElementNS(ns, 'circle');
      dot.setAttribute('cx', 2 + lastIndex * step);
      dot.setAttribute('cy', height - 2 - (values[lastIndex] - min) / span * (height - 4));
      dot.setAttribute('r', 2.2);
      svg.append(dot);
    }
    return svg;
  }

  function showCompanyTable(table) {
    state.companyTable = table;
    const partial = table.partial ? `, partial: ${table.partial.daysElapsed} of 7 days` : '';
    el('company-week').textContent = table.week
      ? `(week of ${table.week}${partial}; mean score 0 negative – 1 positive, weighted by posts)` : '(no posts in the selection)';
    const rows = [...table.rows].sort(companySort === 'change'
      ? (a, b) => (b.change ?? -Infinity) - (a.change ?? -Infinity)
      : (a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity));
    el('company-table').tBodies[0].replaceChildren(...rows.map(row => {
      const tr = make('tr');
      tr.dataset.companyId = row.companyId;
      const score = make('td', 'score', row.score == null ? '–' : row.score.toFixed(3));
      if (row.score != null) {
        const swatch = make('span', 'swatch');
        swatch.style.background = scoreColour(row.score);
        score.prepend(swatch);
      }
      // A change of less than 0.01 is noise at these volumes: no arrow.
      const change = make('td', 'change');
      if (row.change == null) {
        change.textContent = row.baseline == null ? 'no baseline' : '–';
      } else {
        const direction = row.change >= 0.01 ? 'up' : row.change <= -0.01 ? 'down' : 'flat';
        change.classList.add(direction);
        change.textContent = `${{ up: '▲', down: '▼', flat: '▶' }[direction]} ${row.change >= 0 ? '+' : '−'}${Math.abs(row.change).toFixed(3)}`;
        change.title = `baseline ${row.baseline.toFixed(3)}`;
      }
      const spark = make('td', 'spark-cell');
      spark.append(sparkline(row.sparkline));
      tr.append(make('td', 'name', row.company), score, change, make('td', 'num', number(row.posts)),
        make('td', 'num', percent(row.negativeShare)), spark);
      return tr;
    }));
  }

  function showEmerging(emerging) {
    state.emerging = emerging;
    el('emerging-empty').hidden = emerging.topics.length > 0;
    el('emerging').replaceChildren(...emerging.topics.slice(0, 8).map(topic => {
      const item = make('li');
      item.dataset.topicId = topic.topicId;
      const head = make('div', 'head');
      head.append(make('b', null, topic.label),
        make('span', 'growth', topic.baselinePosts === 0 ? 'new' : `×${topic.growth.toFixed(2)}`));
      if (topic.openAlertId != null) {
        const link = make('a', 'badge warning', 'alert open');
        link.href = `?alert=${topic.openAlertId}`;
        head.append(link);
      }
      item.append(head, make('div', 'detail',
        `${percent(topic.recentShare)} of posts in the last 7 days (${number(topic.recentPosts)}) vs ${percent(topic.baselineShare)} in the 28 before`));
      return item;
    }));
    const trend = emerging.unclassified;
    const box = el('unclassified');
    box.className = 'unclassified' + (trend.growing ? ' growing' : '');
    const text = make('div', 'text');
    const g = trend.growth;
    text.append(make('b', null, 'Unclassified '),
      g ? `${percent(g.recentShare)} of posts in the last 7 days vs ${percent(g.baselineShare)} before` : 'no unclassified posts in the last 5 weeks');
    if (trend.growing) text.append(' ', make('span', 'flag', g && g.growth ? `▲ growing ×${g.growth.toFixed(2)}` : '▲ growing'));
    box.replaceChildren(text, sparkline(trend.shares, 'spark wide'), make('div', 'axis', 'weekly share, last 8 weeks'));
  }

  function alertItem(alert) {
    const item = make('li', `alert ${alert.status} sev-${alert.severity}`);
    item.id = `alert-${alert.alertId}`;
    item.dataset.alertId = alert.alertId;
    if (String(alert.alertId) === focusId) item.classList.add('focused');
    const head = make('div', 'head');
    head.append(make('span', `badge ${alert.severity}`, alert.severity),
      make('span', 'signal', signalName[alert.signal] || alert.signal),
      make('b', 'who', alert.company || 'All companies'));
    if (alert.topicLabel || alert.topicId != null) head.append(make('span', 'topic', alert.topicLabel || `topic ${alert.topicId}`));
    head.append(make('span', 'status', alert.status === 'open'
      ? `open since ${utc(alert.openedAt)} UTC` : `resolved ${utc(alert.resolvedAt)} UTC`));
    const facts = make('div', 'facts');
    const ratio = alert.ratio == null ? '' : ` (×${alert.ratio.toFixed(1)})`;
    const isShare = alert.signal === 'emerging_topic' || alert.signal === 'unclassified_growth';
    const amount = v => isShare ? percent(v) : number(Math.round(v * 10) / 10);
    facts.append(
      make('span', 'window', `window ${utc(alert.windowStart)} – ${utc(alert.windowEnd).slice(utc(alert.windowEnd).slice(0, 10) === utc(alert.windowStart).slice(0, 10) ? 11 : 0)} UTC`),
      make('span', 'observed', `observed ${amount(alert.observed)} vs expected ${amount(alert.expected)}${ratio}`));
    if (alert.negativeShare != null) {
      facts.append(make('span', 'negative', `negative ${percent(alert.negativeShare, 0)}` +
        (alert.baselineNegativeShare != null ? ` (usually ${percent(alert.baselineNegativeShare, 0)})` : '')));
    }
    const link = make('a', 'posts-link', expandedAlerts.has(String(alert.alertId)) ? 'hide posts' : 'posts');
    link.href = `/api/alerts/${alert.alertId}/posts`;
    link.addEventListener('click', event => {
      event.preventDefault();
      toggleAlertPosts(item, String(alert.alertId));
    });
    facts.append(link);
    const posts = make('ol', 'alert-posts');
    const cached = expandedAlerts.get(String(alert.alertId));
    posts.hidden = !cached;
    if (cached) posts.append(...cached);
    item.append(head, make('p', 'summary', alert.summary), facts, posts);
    return item;
  }

  async function toggleAlertPosts(item, id) {
    const list = item.querySelector('.alert-posts');
    const link = item.querySelector('.posts-link');
    if (expandedAlerts.has(id)) {
      expandedAlerts.delete(id);
      list.hidden = true;
      link.textContent = 'posts';
      return;
    }
    const body = await getJson(`../alerts/${id}/posts`);
    const items = body.posts.length ? body.posts.map(p => feedItem(p, false)) : [make('li', 'empty', 'No stored posts in this window.')];
    expandedAlerts.set(id, items);
    list.replaceChildren(...items);
    list.hidden = false;
    link.textContent = 'hide posts';
    state.alertPosts = { id, posts: body.posts.map(p => p.postId) };
  }

  function showAlerts(alerts) {
    state.alerts = alerts.map(a => String(a.alertId));
    const open = alerts.filter(a => a.status === 'open').length;
    el('alerts-count').textContent = `${open} open, ${alerts.length - open} recently resolved`;
    el('alerts-empty').hidden = alerts.length > 0;
    el('alerts-panel').classList.toggle('has-open', open > 0);
    el('alerts').replaceChildren(...alerts.map(alertItem));
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
      // A pseudonym names nobody's account, so it gets no @.
      span('author', post.author.startsWith('anon-') ? post.author : '@' + post.author));
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
      el('cluster-nodes-word').textContent = cluster.nodeCount === 1 ? 'cluster node' : 'cluster nodes';
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

  // The latest topic retrain in one sentence (GET /api/dashboard/topic-retrain). Its own failure leaves the note as it was.
  async function refreshRetrainNote() {
    try {
      const response = await fetch('/api/dashboard/topic-retrain', { cache: 'no-store' });
      if (!response.ok) return;
      const retrain = await response.json();
      const note = el('topic-retrain');
      note.hidden = !retrain.note;
      if (!retrain.note) return;
      const when = retrain.finishedAt ? ` (${new Date(retrain.finishedAt).toLocaleString('en-GB')})` : '';
      note.textContent = retrain.note.charAt(0).toUpperCase() + retrain.note.slice(1) + when;
      note.classList.toggle('kept-out', retrain.outcome !== 'accepted');
    } catch {
      // The charts do not depend on it.
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
      const alertQuery = new URLSearchParams({ limit: '30' });
      if (query.get('company')) alertQuery.set('company', query.get('company'));
      const sovQuery = new URLSearchParams({ weeks: '12' });
      if (query.get('to')) sovQuery.set('to', query.get('to'));
      const [topics, histogram, weekly, table, funnel, alerts, hourly, sov, emerging] = await Promise.all([
        ...['topics', 'sentiment-histogram', 'weekly-topics', 'company-table', 'funnel', 'alerts', 'hourly']
          .map(p => getJson(p, p === 'alerts' ? alertQuery : query)),
        getJson('share-of-voice', sovQuery),
        getJson('emerging-topics')]);
      if (mine !== generation) return;
      // An alert opened from a link stays listed even when it is older than the recent ones.
      if (focusAlert && !alerts.some(a => String(a.alertId) === focusId)) alerts.unshift(focusAlert);
      showAlerts(alerts);
      showTopics(topics);
      showHistogram(histogram);
      showWeekly(weekly, alerts);
      showHourly(hourly, alerts);
      showShareOfVoice(sov);
      showEmerging(emerging);
      showCompanyTable(table);
      showFunnel(funnel);
      await refreshFeed(query);
      await refreshCluster();
      await refreshRetrainNote();
      // The grid settles after the charts are made; fit each to its card again.
      for (const chart of Object.values(charts)) chart.resize();
      if (focusAlert && !focusScrolled) {
        focusScrolled = true;
        const item = el(`alert-${focusId}`);
        item.scrollIntoView({ block: 'center' });
        if (!expandedAlerts.has(focusId)) await toggleAlertPosts(item, focusId);
        state.focused = focusId;
      }
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

  // Opened from an alert's link: the filters take its company and the UTC days of its window, before the first refresh.
  let focusAlert = null;
  async function focusOnAlert() {
    if (!focusId) return;
    try {
      await loadOptions();
      focusAlert = (await getJson(`../alerts/${encodeURIComponent(focusId)}/posts`, new URLSearchParams({ limit: '1' }))).alert;
      if (focusAlert.companyId) el('company').value = focusAlert.companyId;
      // The window ends before window_end: an end at midnight belongs to the day before.
      el('from').value = focusAlert.windowStart.slice(0, 10);
      el('to').value = new Date(new Date(focusAlert.windowEnd).getTime() - 1).toISOString().slice(0, 10);
    } catch (error) {
      state.error = `alert ${focusId}: ${error.message || error}`;
    }
  }

  function toggle(first, second, on) {
    for (const [button, pressed] of [[first, on === 0], [second, on === 1]]) {
      el(button).classList.toggle('on', pressed);
      el(button).setAttribute('aria-pressed', String(pressed));
    }
  }
  el('sov-all').addEventListener('click', () => { sovMeasure = 'posts'; toggle('sov-all', 'sov-negative', 0); if (state.shareOfVoice) showShareOfVoice(state.shareOfVoice); });
  el('sov-negative').addEventListener('click', () => { sovMeasure = 'negative'; toggle('sov-all', 'sov-negative', 1); if (state.shareOfVoice) showShareOfVoice(state.shareOfVoice); });
  el('sort-score').addEventListener('click', () => { companySort = 'score'; toggle('sort-score', 'sort-change', 0); if (state.companyTable) showCompanyTable(state.companyTable); });
  el('sort-change').addEventListener('click', () => { companySort = 'change'; toggle('sort-score', 'sort-change', 1); if (state.companyTable) showCompanyTable(state.companyTable); });

  el('filters').addEventListener('change', () => refresh());
  el('reset').addEventListener('click', () => {
    el('filters').reset();
    refresh();
  });
  focusOnAlert().then(refresh);
})();
