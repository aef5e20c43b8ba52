using Pipeline.Actors.Sources.Simulator;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Sources.Simulator;

/// <summary>Four of the configured banks, as pipeline.conf defines them.</summary>
internal static class SimulatorCompanies
{
    public static readonly IReadOnlyList<Company> All =
    [
        new(new CompanyId("gtbank"), "GTBank", ["@gtbank", "@gtbank_help"], ["gtbank", "gtb", "guaranty trust bank", "gtco"], "Nigeria", "Banking"),
        new(new CompanyId("access"), "Access Bank", ["@myaccessbank", "@accessbank_help"], ["access bank", "accessbank"], "Nigeria", "Banking"),
        new(new CompanyId("uba"), "UBA", ["@ubagroup", "@ubacares"], ["uba", "united bank for africa"], "Nigeria", "Banking"),
        new(new CompanyId("opay"), "Opay", ["@opay_ng", "@opaycare"], ["opay"], "Nigeria", "Fintech"),
    ];

    public static readonly DateTimeOffset Origin = new(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);

    public static SimulationSettings Settings(int seed = 2023, double perDay = 2000, double perMinute = 20, int backlogDays = 7) =>
        new(seed, Origin, TimeSpan.FromDays(backlogDays), perDay, perMinute);

    public static ConversationGenerator Generator(int seed = 2023, double perDay = 2000, double perMinute = 20, int backlogDays = 7) =>
        new(All, Settings(seed, perDay, perMinute, backlogDays));
}
