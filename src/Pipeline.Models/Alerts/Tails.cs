namespace Pipeline.Models.Alerts;

/// <summary>
/// Upper-tail probabilities of the count distributions the detectors test against, from the
/// regularized incomplete gamma and beta functions (Numerical Recipes' series and continued
/// fractions, double precision). Written here rather than taken from MathNet so Pipeline.Models
/// gains no dependency for four functions.
/// </summary>
public static class Tails
{
    /// <summary>P(X ≥ x) for X ~ Poisson(mean).</summary>
    public static double PoissonUpper(double x, double mean)
    {
        if (x <= 0) return 1.0;
        if (mean <= 0) return 0.0;
        // P(X ≥ x) = P(x, mean), the regularized lower incomplete gamma, for integer x.
        return RegularizedGammaP(Math.Ceiling(x), mean);
    }

    /// <summary>
    /// P(X ≥ x) for X negative-binomial with the given mean and dispersion k, Var = mean + k·mean².
    /// k = 0 is Poisson.
    /// </summary>
    public static double NegativeBinomialUpper(double x, double mean, double dispersion)
    {
        if (dispersion <= 1e-12) return PoissonUpper(x, mean);
        if (x <= 0) return 1.0;
        if (mean <= 0) return 0.0;
        var r = 1.0 / dispersion;
        var p = r / (r + mean);
        // P(X ≤ x-1) = I_p(r, x), so P(X ≥ x) = I_{1-p}(x, r).
        return RegularizedBeta(Math.Ceiling(x), r, 1.0 - p);
    }

    /// <summary>P(X ≥ x) for X ~ Binomial(n, p).</summary>
    public static double BinomialUpper(double x, double n, double p)
    {
        if (x <= 0) return 1.0;
        if (x > n) return 0.0;
        if (p <= 0) return 0.0;
        if (p >= 1) return 1.0;
        x = Math.Ceiling(x);
        return RegularizedBeta(x, n - x + 1, p);
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, 9 terms; ~15 significant digits).</summary>
    public static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        var a = Lanczos[0];
        var t = x + 7.5;
        for (var i = 1; i < 9; i++) a += Lanczos[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }

    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7,
    ];

    /// <summary>Regularized lower incomplete gamma P(a, x).</summary>
    public static double RegularizedGammaP(double a, double x)
    {
        if (x <= 0) return 0.0;
        if (x < a + 1) return GammaSeries(a, x);
        return 1.0 - GammaContinuedFraction(a, x);
    }

    private static double GammaSeries(double a, double x)
    {
        var ap = a;
        var sum = 1.0 / a;
        var del = sum;
        for (var n = 0; n < 10_000; n++)
        {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (Math.Abs(del) < Math.Abs(sum) * 1e-16) break;
        }
        return sum * Math.Exp(-x + a * Math.Log(x) - LogGamma(a));
    }

    // Q(a, x) by Lentz's continued fraction; converges fast for x ≥ a + 1.
    private static double GammaContinuedFraction(double a, double x)
    {
        const double tiny = 1e-300;
        var b = x + 1 - a;
        var c = 1 / tiny;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i < 10_000; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < tiny) d = tiny;
            c = b + an / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            var del = d * c;
            h *= del;
            if (Math.Abs(del - 1) < 1e-16) break;
        }
        return Math.Exp(-x + a * Math.Log(x) - LogGamma(a)) * h;
    }

    /// <summary>Regularized incomplete beta I_x(a, b).</summary>
    public static double RegularizedBeta(double a, double b, double x)
    {
        if (x <= 0) return 0.0;
        if (x >= 1) return 1.0;
        var lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        var front = Math.Exp(lnFront);
        // The continued fraction converges for x < (a+1)/(a+b+2); use the symmetry otherwise.
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(a, b, x) / a
            : 1.0 - front * BetaContinuedFraction(b, a, 1 - x) / b;
    }

    private static double BetaContinuedFraction(double a, double b, double x)
    {
        const double tiny = 1e-300;
        var qab = a + b;
        var qap = a + 1;
        var qam = a - 1;
        var c = 1.0;
        var d = 1 - qab * x / qap;
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        var h = d;
        for (var m = 1; m < 10_000; m++)
        {
            var m2 = 2 * m;
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            var del = d * c;
            h *= del;
            if (Math.Abs(del - 1) < 1e-16) break;
        }
        return h;
    }
}
