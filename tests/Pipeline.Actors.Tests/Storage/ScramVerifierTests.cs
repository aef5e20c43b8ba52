using Pipeline.Actors.Storage;

namespace Pipeline.Actors.Tests.Storage;

public sealed class ScramVerifierTests
{
    [Fact]
    public void Verifier_matches_an_independent_computation_for_the_rfc_7677_password_and_salt()
    {
        // RFC 7677's example user (password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations); StoredKey and
        // ServerKey computed with Python's hashlib.pbkdf2_hmac and hmac, independently of .NET.
        var verifier = ScramVerifier.Compute("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="));

        Assert.Equal(
            "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
            verifier);
    }

    [Fact]
    public void Each_verifier_has_its_own_random_salt_and_never_contains_the_password()
    {
        var first = ScramVerifier.Compute("same-password");
        var second = ScramVerifier.Compute("same-password");

        Assert.NotEqual(first, second);
        Assert.Equal(16, Convert.FromBase64String(first.Split(':', '$')[2]).Length);
        Assert.DoesNotContain("same-password", first);
    }

    [Fact]
    public void Generated_passwords_are_long_random_and_need_no_quoting()
    {
        var password = ScramVerifier.NewPassword();

        Assert.Equal(32, password.Length);
        Assert.Matches("^[A-Za-z0-9_-]+$", password);
        Assert.NotEqual(password, ScramVerifier.NewPassword());
    }
}
