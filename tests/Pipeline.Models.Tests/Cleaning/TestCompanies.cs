using Pipeline.Models.Domain;

namespace Pipeline.Models.Tests.Cleaning;

internal static class TestCompanies
{
    public static readonly Company GtBank = new(new CompanyId("gtbank"), "GTBank", ["@gtbank", "@gtbank_help"],
        ["gtbank", "gtb", "guaranty trust bank"], "Nigeria", "Banking");

    public static readonly Company Access = new(new CompanyId("access"), "Access Bank", ["@myaccessbank"],
        ["access bank"], "Nigeria", "Banking");

    public static readonly Company Opay = new(new CompanyId("opay"), "Opay", ["@opay_ng"], ["opay"], "Nigeria", "Fintech");

    public static CompanyDirectory Directory { get; } = new([GtBank, Access, Opay]);

    private static long _nextId = 1_650_000_000_000_000_000;

    public static RawPost Post(
        string text,
        CompanyId? company = null,
        string author = "ada_obi",
        string? lang = "en",
        bool isRetweet = false,
        long? id = null) =>
        new(new PostId(id ?? Interlocked.Increment(ref _nextId)), company, PostSource.Import, "42", author, text,
            new DateTimeOffset(2023, 3, 14, 9, 30, 0, TimeSpan.Zero), 0, 0, 0, 0, null, lang, isRetweet, false,
            DateTimeOffset.UtcNow);
}
