using Pipeline.Tests.Shared;

[assembly: AssemblyFixture(typeof(PostgresFixture))]

// Lingua's models start loading with the assembly (tests/Shared/LanguageModelsWarmUp.cs).
[assembly: AssemblyFixture(typeof(LanguageModelsWarmUp))]
