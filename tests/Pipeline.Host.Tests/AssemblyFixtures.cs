using Pipeline.Tests.Shared;

[assembly: AssemblyFixture(typeof(PostgresFixture))]
