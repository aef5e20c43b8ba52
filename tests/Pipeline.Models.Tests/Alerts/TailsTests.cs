using Pipeline.Models.Alerts;

namespace Pipeline.Models.Tests.Alerts;

public sealed class TailsTests
{
    // Expected values: mpmath 1.3.0 at 30 digits, summing the probability mass functions directly, e.g.
    //   1 - sum(exp(-m) * m**k / factorial(k) for k in range(x))
    [Theory]
    [InlineData(30, 10.0, 2.50995120152791e-7)]
    [InlineData(5, 2.5, 0.108821981085849)]
    [InlineData(48, 9.0, 7.74080725674395e-20)]
    public void Poisson_upper_tail_matches_exact_sums(int x, double mean, double expected) =>
        AssertClose(expected, Tails.PoissonUpper(x, mean));

    [Theory]
    [InlineData(30, 10.0, 0.1, 0.00053250981727615)]
    [InlineData(48, 9.0, 0.1, 8.81399992851163e-9)]
    public void Negative_binomial_upper_tail_matches_exact_sums(int x, double mean, double k, double expected) =>
        AssertClose(expected, Tails.NegativeBinomialUpper(x, mean, k));

    [Theory]
    [InlineData(15, 20, 0.3, 4.29400219535917e-5)]
    [InlineData(40, 100, 0.25, 0.000686592207962991)]
    public void Binomial_upper_tail_matches_exact_sums(int x, int n, double p, double expected) =>
        AssertClose(expected, Tails.BinomialUpper(x, n, p));

    [Fact]
    public void Negative_binomial_with_no_dispersion_is_poisson() =>
        AssertClose(Tails.PoissonUpper(30, 10), Tails.NegativeBinomialUpper(30, 10, 0));

    [Fact]
    public void Overdispersion_makes_a_count_less_surprising() =>
        Assert.True(Tails.NegativeBinomialUpper(30, 10, 0.1) > 100 * Tails.PoissonUpper(30, 10));

    [Fact]
    public void Log_gamma_matches_known_values()
    {
        AssertClose(0.57236494292470009, Tails.LogGamma(0.5));
        AssertClose(359.1342053695754, Tails.LogGamma(100));
        AssertClose(Math.Log(24), Tails.LogGamma(5));
    }

    [Fact]
    public void Tails_at_zero_are_certain() =>
        Assert.Equal(1.0, Tails.PoissonUpper(0, 3));

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-9 * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");
}
