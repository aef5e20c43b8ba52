using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace Pipeline.Host.Http;

/// <summary>
/// One host's <see cref="Meter"/> in the Prometheus text format: a <see cref="MeterListener"/> that listens to that
/// meter instance only, feeding a <see cref="CollectorRegistry"/> of its own (prometheus-net's default registry is
/// static and would mix the hosts of one process), which prometheus-net serialises.
/// </summary>
/// <remarks>
/// Not prometheus-net's <c>MeterAdapter</c>: that one publishes counters as gauges by design (breaking the
/// <c># TYPE ... counter</c> every existing scrape relies on), removes series not updated for
/// <c>MetricsExpireAfter</c> (a histogram of an idle scraper would vanish) and reorders labels. Here a counter stays a
/// counter (an observable counter's value is applied with <see cref="Counter.IncTo"/>, so it never goes backwards),
/// a gauge a gauge, and a histogram takes the buckets its instrument advises, series kept for the host's life.
/// The instrument's name is the metric's name, unchanged.
/// </remarks>
public sealed class PrometheusExport : IDisposable
{
    private readonly Meter _meter;
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly MetricFactory _factory;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Collector> _collectors = new();

    public PrometheusExport(Meter meter)
    {
        _meter = meter;
        _factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
        _listener.Start();
        // Observable instruments are read when someone scrapes, not on a timer.
        _registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    /// <summary>Writes every metric in the Prometheus text format 0.0.4.</summary>
    public Task WriteAsync(Stream to, CancellationToken ct) =>
        _registry.CollectAndExportAsTextAsync(to, ExpositionFormat.PrometheusText, ct);

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var names = new string[tags.Length];
        var values = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            (names[i], values[i]) = (tags[i].Key, Convert.ToString(tags[i].Value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }

        var collector = _collectors.GetOrAdd(instrument, Create, names);
        switch (collector)
        {
            case Counter counter when instrument.IsObservable:
                counter.WithLabels(values).IncTo(value);
                break;
            case Counter counter:
                counter.WithLabels(values).Inc(value);
                break;
            case Gauge gauge:
                gauge.WithLabels(values).Set(value);
                break;
            case Histogram histogram:
                histogram.WithLabels(values).Observe(value);
                break;
        }
    }

    private Collector Create(Instrument instrument, string[] labelNames)
    {
        var help = instrument.Description ?? instrument.Name;
        return instrument switch
        {
            Counter<int> or Counter<long> or Counter<double> or ObservableCounter<int> or ObservableCounter<long> or ObservableCounter<double> =>
                _factory.CreateCounter(instrument.Name, help, labelNames),
            Histogram<double> histogram => _factory.CreateHistogram(instrument.Name, help, labelNames, new HistogramConfiguration
            {
                Buckets = histogram.Advice?.HistogramBucketBoundaries?.ToArray() ?? Histogram.ExponentialBuckets(0.001, 2, 20),
            }),
            ObservableGauge<int> or ObservableGauge<long> or ObservableGauge<double> => _factory.CreateGauge(instrument.Name, help, labelNames),
            _ => throw new NotSupportedException($"{instrument.Name}: {instrument.GetType().Name} is not exported"),
        };
    }
}
