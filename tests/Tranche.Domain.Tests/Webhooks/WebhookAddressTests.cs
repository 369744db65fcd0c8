using System.Net;
using Tranche.Domain.Webhooks;

namespace Tranche.Domain.Tests.Webhooks;

public sealed class WebhookAddressTests
{
    [Theory]
    [InlineData("93.184.216.34", true, true)]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946", true, true)]
    [InlineData("169.254.169.254", false, false)]
    [InlineData("fe80::1", false, false)]
    [InlineData("0.0.0.0", false, false)]
    [InlineData("::", false, false)]
    [InlineData("224.0.0.1", false, false)]
    [InlineData("255.255.255.255", false, false)]
    [InlineData("127.0.0.1", false, true)]
    [InlineData("::1", false, true)]
    [InlineData("10.1.2.3", false, true)]
    [InlineData("172.16.0.1", false, true)]
    [InlineData("172.31.255.255", false, true)]
    [InlineData("172.32.0.1", true, true)]
    [InlineData("192.168.1.1", false, true)]
    [InlineData("100.64.0.1", false, true)]
    [InlineData("fd00::1", false, true)]
    [InlineData("::ffff:10.0.0.1", false, true)]
    [InlineData("::ffff:169.254.169.254", false, false)]
    public void Addresses_inside_the_network_need_the_operators_permission_and_link_local_is_never_reached(string address, bool byDefault, bool withPrivateNetworks)
    {
        var ip = IPAddress.Parse(address);
        Assert.Equal(byDefault, WebhookAddresses.IsAllowed(ip, allowPrivateNetworks: false));
        Assert.Equal(withPrivateNetworks, WebhookAddresses.IsAllowed(ip, allowPrivateNetworks: true));
    }
}
