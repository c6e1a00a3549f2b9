using System.Net;
using System.Text;
using System.Text.Json;
using MailMesh.Campaigns.Links;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Tracking;

public sealed class FormTests : IAsyncLifetime
{
    private TrackingSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await TrackingSilo.StartAsync();
        var schema = _silo.Grains.GetGrain<IContactSchemaGrain>("acme/contact-schema");
        await schema.Define(new AttributeDefinition("interests", AttributeType.List));
        await schema.Define(new AttributeDefinition("city", AttributeType.String));
        await schema.Define(new AttributeDefinition("birth_date", AttributeType.Date));
        await _silo.Grains.GetGrain<IFormDirectoryGrain>(EngagementKeys.Forms("acme")).Define(new FormDefinition("prefs", "Your preferences",
            [new FormField("interests", "Interests", Choices: ["golf", "wine", "travel"]), new FormField("city", "City", Required: true), new FormField("birth_date", "Birth date")],
            ConsentPurpose: "news", ConsentText: "Send me the newsletter.", AddLists: ["news"]));
        await _silo.CreateContactAsync();
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private string FormPath => $"/f/{_silo.Token(TrackingKind.Form, list: "prefs")}";

    private async Task<(string Path, string Nonce)> PageAsync()
    {
        var path = FormPath;
        return (path, UnsubscribeTests.NonceOf(await _silo.Http.GetStringAsync(path)));
    }

    [Fact]
    public async Task Page_Get_ShowsTheFormsFieldsWithTheirInputs()
    {
        using var response = await _silo.Http.GetAsync(FormPath);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("type=\"checkbox\" name=\"interests\" value=\"wine\"", html, StringComparison.Ordinal);
        Assert.Contains("type=\"date\" id=\"birth_date\"", html, StringComparison.Ordinal);
        Assert.Contains("Send me the newsletter.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_ValidFields_UpdatesAttributesListsAndConsentWithSourceAndIp()
    {
        var (path, nonce) = await PageAsync();

        using var response = await _silo.Http.PostAsync(path, new FormUrlEncodedContent(
            [new("nonce", nonce), new("interests", "golf"), new("interests", "wine"), new("city", "Lyon"), new("birth_date", "1980-05-01")]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var contact = (await _silo.ContactAsync())!;
        Assert.Equal(["golf", "wine"], contact.Attributes["interests"].List);
        Assert.Equal("Lyon", contact.Attributes["city"].String);
        Assert.Equal(new DateTimeOffset(1980, 5, 1, 0, 0, 0, TimeSpan.Zero), contact.Attributes["birth_date"].Date);
        Assert.Contains("news", contact.Lists);
        var consent = Assert.Single(contact.Consent);
        Assert.Equal(("news", ConsentAction.Granted, "form:prefs", "127.0.0.1", "Send me the newsletter."), (consent.Purpose, consent.Action, consent.Source, consent.Ip, consent.Text));
        var submitted = Assert.Single(await _silo.EventsAsync("acme", "form.submitted"));
        using var payload = JsonDocument.Parse(submitted.PayloadJson);
        Assert.Equal("prefs", payload.RootElement.GetProperty("form").GetString());
    }

    [Fact]
    public async Task Post_WrongTypesAndUnknownChoice_Is400NamingEachFieldAndChangesNothing()
    {
        var (path, nonce) = await PageAsync();

        using var response = await _silo.Http.PostAsync(path, new FormUrlEncodedContent(
            [new("nonce", nonce), new("interests", "chess"), new("city", "Lyon"), new("birth_date", "last tuesday")]));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("&#x27;chess&#x27; is not one of the choices", html, StringComparison.Ordinal);
        Assert.Contains("is not a date", html, StringComparison.Ordinal);
        Assert.Empty((await _silo.ContactAsync())!.Attributes);
    }

    [Fact]
    public async Task Post_RequiredFieldMissing_Is400()
    {
        var (path, nonce) = await PageAsync();

        using var response = await _silo.Http.PostAsync(path, new FormUrlEncodedContent([new("nonce", nonce), new("interests", "golf")]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("required", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_FieldNotInTheForm_Is400AndNamesIt()
    {
        var (path, nonce) = await PageAsync();

        using var response = await _silo.Http.PostAsync(path, new FormUrlEncodedContent([new("nonce", nonce), new("city", "Lyon"), new("total_spent", "1e9")]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'total_spent' is not part of this form", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_HugeBody_IsRefusedWith413()
    {
        var (path, nonce) = await PageAsync();
        var body = new StringContent($"nonce={nonce}&city={new string('x', 200_000)}", Encoding.ASCII, "application/x-www-form-urlencoded");

        using var response = await _silo.Http.PostAsync(path, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Post_HugeBodyWithoutLength_IsRefusedWith413Or400()
    {
        var (path, nonce) = await PageAsync();
        var body = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes($"nonce={nonce}&city={new string('x', 200_000)}")));
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _silo.Http.SendAsync(request);

        Assert.True(response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, response.StatusCode.ToString());
        Assert.Empty((await _silo.ContactAsync())!.Attributes);
    }

    [Fact]
    public async Task Post_ThousandsOfFields_IsRefusedWith400()
    {
        var (path, nonce) = await PageAsync();
        var fields = new List<KeyValuePair<string, string>> { new("nonce", nonce) };
        fields.AddRange(Enumerable.Range(0, 2000).Select(i => new KeyValuePair<string, string>("f" + i, "1")));

        using var response = await _silo.Http.PostAsync(path, new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("more than 64 fields", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_UnknownForm_Is404()
    {
        using var response = await _silo.Http.GetAsync($"/f/{_silo.Token(TrackingKind.Form, list: "nope")}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Define_FieldNotInSchema_IsRefusedByName()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _silo.Grains.GetGrain<IFormDirectoryGrain>(EngagementKeys.Forms("acme"))
            .Define(new FormDefinition("x", "X", [new FormField("shoe_size", "Shoe size")])));

        Assert.Contains("'shoe_size' is not an attribute", error.Message, StringComparison.Ordinal);
    }
}
