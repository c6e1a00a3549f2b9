using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Protocols.Tests.Imap;

[Collection(DovecotCollection.Name)]
public sealed class ImapConnectTests
{
    [ServerFact(Server.Dovecot)]
    public async Task ConnectAsync_PlainThenLogin_ReachesAuthenticatedWithPostLoginCapabilities()
    {
        var ct = TestTimeout.Token();
        await using var client = new ImapClient(Dovecot.ImapOptions());

        await client.ConnectAsync(ct);
        Assert.Equal(ImapSessionState.NotAuthenticated, client.State);
        Assert.True(client.Capabilities.StartTls);
        Assert.Null(client.TlsProtocol);

        await client.LoginAsync(Dovecot.Alice.Address, Dovecot.Alice.Password, ct);

        Assert.Equal(ImapSessionState.Authenticated, client.State);
        Assert.True(client.Capabilities.QResync);
        Assert.True(client.Capabilities.Move);
        Assert.True(client.Capabilities.UidPlus);
    }

    [ServerFact(Server.Dovecot)]
    public async Task ConnectAsync_ImplicitTlsWithTrustedTestCa_ValidatesAndAuthenticates()
    {
        var ct = TestTimeout.Token();
        await using var client = new ImapClient(Dovecot.ImapOptions(TlsMode.Implicit));

        await client.ConnectAsync(ct);
        await client.AuthenticateAsync(Dovecot.Alice.Address, Dovecot.Alice.Password, ct);

        Assert.NotNull(client.TlsProtocol);
        Assert.Equal(ImapSessionState.Authenticated, client.State);
    }

    [ServerFact(Server.Dovecot)]
    public async Task ConnectAsync_StartTls_UpgradesBeforeLoginAndDropsStartTlsCapability()
    {
        var ct = TestTimeout.Token();
        await using var client = new ImapClient(Dovecot.ImapOptions(TlsMode.StartTls));

        await client.ConnectAsync(ct);

        Assert.NotNull(client.TlsProtocol);
        Assert.False(client.Capabilities.StartTls);
        await client.AuthenticateAsync(Dovecot.Alice.Address, Dovecot.Alice.Password, ct);
        Assert.Equal(ImapSessionState.Authenticated, client.State);
    }

    [ServerTheory(Server.Dovecot)]
    [InlineData(TlsMode.Implicit)]
    [InlineData(TlsMode.StartTls)]
    public async Task ConnectAsync_UntrustedSelfSignedCertificate_ThrowsTlsProtocolException(TlsMode mode)
    {
        await using var client = new ImapClient(Dovecot.ImapOptions(mode, trustTestCa: false));

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => client.ConnectAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.Tls, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("not trusted", error.Message, StringComparison.Ordinal);
        Assert.Equal(ImapSessionState.Broken, client.State);
    }

    [ServerFact(Server.Dovecot)]
    public async Task ConnectAsync_ServerCertificateThumbprintTrusted_Succeeds()
    {
        var ct = TestTimeout.Token();
        using var certificate = await Dovecot.CaptureImapsCertificateAsync(ct);
        var options = Dovecot.ImapOptions(TlsMode.Implicit, trustTestCa: false, trust: t => t.TrustedCertificateThumbprints.Add(Dovecot.Sha256(certificate)));
        await using var client = new ImapClient(options);

        await client.ConnectAsync(ct);

        Assert.NotNull(client.TlsProtocol);
    }

    [ServerFact(Server.Dovecot)]
    public async Task ConnectAsync_OtherThumbprintTrusted_StillRejects()
    {
        var options = Dovecot.ImapOptions(TlsMode.Implicit, trustTestCa: false, trust: t => t.TrustedCertificateThumbprints.Add(new string('A', 64)));
        await using var client = new ImapClient(options);

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => client.ConnectAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.Tls, error.Kind);
    }

    [ServerFact(Server.Dovecot)]
    public async Task AuthenticateAsync_WrongPassword_ThrowsAuthenticationCommandErrorAndSessionStaysUsable()
    {
        var ct = TestTimeout.Token();
        await using var client = new ImapClient(Dovecot.ImapOptions());
        await client.ConnectAsync(ct);

        var error = await Assert.ThrowsAsync<ImapCommandException>(() => client.AuthenticateAsync(Dovecot.Alice.Address, "wrong-password", ct));

        Assert.True(error.IsAuthenticationFailure);
        Assert.Equal(ImapResponseStatus.No, error.Status);
        Assert.Equal("AUTHENTICATIONFAILED", error.ResponseCode);
        Assert.Equal(ImapSessionState.NotAuthenticated, client.State);
        await client.LoginAsync(Dovecot.Alice.Address, Dovecot.Alice.Password, ct);
        Assert.Equal(ImapSessionState.Authenticated, client.State);
    }

    [ServerFact(Server.Dovecot)]
    public async Task LoginAsync_WrongPassword_IsAuthenticationFailure()
    {
        var ct = TestTimeout.Token();
        await using var client = new ImapClient(Dovecot.ImapOptions());
        await client.ConnectAsync(ct);

        var error = await Assert.ThrowsAsync<ImapCommandException>(() => client.LoginAsync("nobody@example.test", "nope", ct));

        Assert.True(error.IsAuthenticationFailure);
        Assert.Equal("LOGIN", error.Command);
    }

    [ServerFact(Server.Dovecot)]
    public async Task AuthenticateAsync_SaslLogin_Authenticates()
    {
        var ct = TestTimeout.Token();
        await using var client = new ImapClient(Dovecot.ImapOptions(TlsMode.StartTls));
        await client.ConnectAsync(ct);

        await client.AuthenticateAsync(new Sasl.SaslLogin(Dovecot.Bob.Address, Dovecot.Bob.Password), ct);

        Assert.Equal(ImapSessionState.Authenticated, client.State);
    }

    [ServerFact(Server.Dovecot)]
    public async Task IdentifyAndEnable_AfterLogin_ReturnServerIdAndEnabledQresync()
    {
        var ct = TestTimeout.Token();
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);

        var id = await client.IdentifyAsync(cancellationToken: ct);
        var enabled = await client.EnableAsync(["QRESYNC"], ct);

        Assert.Equal("Dovecot", id["name"]);
        Assert.Contains("QRESYNC", enabled);
        Assert.Contains("QRESYNC", client.EnabledExtensions);
    }

    [ServerFact(Server.Dovecot)]
    public async Task LogoutAsync_WhenAuthenticated_Disconnects()
    {
        var ct = TestTimeout.Token();
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);

        await client.LogoutAsync(ct);

        Assert.Equal(ImapSessionState.Disconnected, client.State);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.NoopAsync(ct));
    }
}
