using System.Security.Cryptography;
using System.Text;

namespace Tranche.Data.Tests;

public sealed class ApiKeySecretsTests
{
    [Fact]
    public void Secrets_have_the_documented_shape_and_do_not_repeat()
    {
        var secrets = Enumerable.Range(0, 2000).Select(_ => ApiKeySecrets.NewSecret()).ToList();

        Assert.All(secrets, s => Assert.Matches("^trk_[0-9A-Za-z]{43}$", s));
        Assert.Equal(secrets.Count, secrets.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Characters_are_spread_over_the_whole_alphabet()
    {
        var counts = string.Concat(Enumerable.Range(0, 3000).Select(_ => ApiKeySecrets.NewSecret()[4..]))
            .GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());

        // 129,000 characters over 62 symbols: about 2,081 each; a biased generator would be far off.
        Assert.Equal(62, counts.Count);
        Assert.All(counts.Values, n => Assert.InRange(n, 1700, 2500));
    }

    [Fact]
    public void Hash_is_sha256_of_the_utf8_secret_and_prefix_is_safe_to_show()
    {
        const string secret = "trk_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), ApiKeySecrets.Hash(secret));
        Assert.Equal("trk_abcdefgh", ApiKeySecrets.PrefixOf(secret));
    }
}
