using System.Net;
using Microsoft.AspNetCore.Http;

namespace Tranche.Providers.Tests;

public sealed class LoopbackHostTests
{
    [Fact]
    public async Task A_stand_in_records_what_it_was_sent_and_answers_with_its_handler()
    {
        await using var host = await LoopbackHost.StartAsync((context, request) =>
        {
            context.Response.StatusCode = request.Body == "ping" ? 200 : 400;
            return context.Response.WriteAsync("pong", TestContext.Current.CancellationToken);
        });
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        var answer = await http.PostAsync("prices?x=1", new StringContent("ping"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var received = Assert.Single(host.Received);
        Assert.Equal(("POST", "/prices", "?x=1", "ping"), (received.Method, received.Path, received.Query, received.Body));
    }
}
