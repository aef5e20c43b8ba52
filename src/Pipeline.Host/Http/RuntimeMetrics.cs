using System.Globalization;
using System.Text;

namespace Pipeline.Host.Http;

/// <summary>
/// The managed heap on <c>/metrics</c>: only the process itself knows it (RSS, threads and open files
/// are readable from outside through /proc), and the soak benchmark follows it over hours.
/// </summary>
internal static class RuntimeMetrics
{
    public static void AppendTo(StringBuilder text)
    {
        var gc = GC.GetGCMemoryInfo();
        Gauge(text, "dotnet_gc_heap_size_bytes", "Managed heap size after the last garbage collection.", gc.HeapSizeBytes);
        Gauge(text, "dotnet_gc_committed_bytes", "Memory the garbage collector has committed.", gc.TotalCommittedBytes);
        Gauge(text, "dotnet_gc_allocated_bytes", "Managed heap in use now, garbage not yet collected included.", GC.GetTotalMemory(forceFullCollection: false));
    }

    private static void Gauge(StringBuilder text, string name, string help, long value) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(" gauge\n")
            .Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
