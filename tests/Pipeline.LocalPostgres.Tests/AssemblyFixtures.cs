using Pipeline.Tests.Shared;
using Xunit;

// One throwaway PostgreSQL for the whole assembly (tests/Shared/PostgresFixture.cs, linked): the tests start their
// own clusters from copies of its template.
[assembly: AssemblyFixture(typeof(PostgresFixture))]
