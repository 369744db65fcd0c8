using System.Security.Cryptography;
using System.Text;

namespace Tranche.Data;

/// <summary>
/// The format of API key secrets: <c>trk_</c> and 43 base62 characters (256 random bits). Keys carry that much
/// entropy, so a plain SHA-256 is the right hash: there is nothing to brute-force, and lookups stay one index probe.
/// </summary>
public static class ApiKeySecrets
{
    public const string Scheme = "trk_";
    public const int PrefixLength = 12;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int SecretCharacters = 43;

    public static string NewSecret()
    {
        // Rejection sampling keeps every character uniform over the 62 symbols.
        Span<char> chars = stackalloc char[SecretCharacters];
        Span<byte> buffer = stackalloc byte[64];
        var filled = 0;
        while (filled < chars.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            foreach (var b in buffer)
            {
                if (b < 248 && filled < chars.Length)
                {
                    chars[filled++] = Alphabet[b % 62];
                }
            }
        }

        return Scheme + new string(chars);
    }

    public static byte[] Hash(string secret)
    {
        var byteCount = Encoding.UTF8.GetByteCount(secret);
        var bytes = byteCount <= 256 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(secret, bytes);
        return SHA256.HashData(bytes);
    }

    public static string PrefixOf(string secret) => secret.Length <= PrefixLength ? secret : secret[..PrefixLength];
}
