using Pipeline.Tests.Shared;
using Xunit;

// One throwaway PostgreSQL for the whole assembly (tests/Shared/PostgresFixture.cs, linked).
[assembly: AssemblyFixture(typeof(PostgresFixture))]

// Lingua's models start loading with the assembly (tests/Shared/LanguageModelsWarmUp.cs).
[assembly: AssemblyFixture(typeof(LanguageModelsWarmUp))]
