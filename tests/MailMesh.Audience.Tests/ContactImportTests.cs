using System.Text;
using MailMesh.Audience.Tests.Support;
using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Tests;

public sealed class ContactImportTests : IAsyncLifetime
{
    private AudienceSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await AudienceSilo.StartAsync(new Dictionary<string, string?>
    {
        ["Audience:ImportBatchSize"] = "5",
        ["Audience:ImportResumeInterval"] = "00:00:01",
    });

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private Task<ContactInfo?> Contact(string address) => _silo.Grains.GetGrain<IContactGrain>("acme/" + address).Get();

    /// <summary>A file as exported by hand: BOM, ';' separators, a row in Windows-1252 among UTF-8 ones, bad rows.</summary>
    private static byte[] MessyCsv()
    {
        var file = new MemoryStream();
        void Utf8(string text) => file.Write(Encoding.UTF8.GetBytes(text));
        file.Write([0xEF, 0xBB, 0xBF]);
        Utf8("E-mail;First Name;Country;Total Spent;Interests;Lists\r\n");
        Utf8("jane@example.com;Jane;FR;120.5;golf|wine;newsletter\r\n");
        Utf8("not-an-address;Bob;BE;10;;\r\n");
        Utf8("bob@example.com;Bob;BE;lots;;\r\n");
        Utf8("carol@example.com;Ca\"rol;FR;1;;\r\n");
        Utf8("dave@example.com;Dave;FR\r\n");
        Utf8("JANE@example.com;Janet;;130;;offers\r\n");
        Utf8("info@example.com;;FR;;;\r\n");
        Utf8("erin@gmial.com;Erin;FR;;;\r\n");
        file.Write(Encoding.Latin1.GetBytes("zoe@example.com;Zo\u00EB;FR;;;\r\n"));
        Utf8("renee@example.com;Renée;FR;;;\r\n");
        Utf8("\r\n");
        Utf8("frank@example.com;Frank;FR;5;;bad list!\r\n");
        return file.ToArray();
    }

    [Fact]
    public async Task Import_MessyCsv_AppliesGoodRowsAndReportsEachBadRowByLine()
    {
        var status = await ImportRunner.RunAsync(_silo, "messy", MessyCsv(), new ImportDefinition("messy.csv", ImportFormat.Csv, ConsentPurpose: "newsletter"));

        Assert.Equal(ImportState.Completed, status.State);
        // Rows 2 and 7 share an address: read in address order they fall in one step and merge (later cells win).
        Assert.Equal((11L, 5L, 0L, 1L, 5L, 2L), (status.RowsRead, status.Created, status.Updated, status.Merged, status.Invalid, status.Warnings));
        var issues = await _silo.Grains.GetGrain<IContactImportGrain>("acme/messy").GetIssues(0, 100);
        Assert.Equal(
            [(3L, "error"), (4L, "error"), (5L, "error"), (6L, "error"), (8L, "warning"), (9L, "warning"), (13L, "error")],
            issues.Select(i => (i.Row, i.Severity)));
        Assert.Contains("no '@'", issues[0].Message, StringComparison.Ordinal);
        Assert.Equal("Total Spent", issues[1].Column);
        Assert.Contains("'lots' is not a number", issues[1].Message, StringComparison.Ordinal);
        Assert.Contains("quote", issues[2].Message, StringComparison.Ordinal);
        Assert.Contains("field count", issues[3].Message, StringComparison.Ordinal);
        Assert.Contains("did you mean erin@gmail.com", issues[5].Message, StringComparison.Ordinal);
        Assert.Contains("'bad list!'", issues[6].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_MessyCsv_MergesDuplicatesAndKeepsEveryEncodedName()
    {
        await ImportRunner.RunAsync(_silo, "messy", MessyCsv(), new ImportDefinition("messy.csv", ImportFormat.Csv, ConsentPurpose: "newsletter"));

        var jane = (await Contact("jane@example.com"))!;
        Assert.Equal("Janet", jane.Attributes["first_name"].String);
        Assert.Equal("FR", jane.Attributes["country"].String);
        Assert.Equal(130, jane.Attributes["total_spent"].Number);
        Assert.Equal(["golf", "wine"], jane.Attributes["interests"].List!);
        Assert.Equal(["newsletter", "offers"], jane.Lists);
        Assert.Equal(["import:messy:2", "import:messy:7"], jane.Consent.Select(c => c.Id));
        Assert.Equal("import:messy.csv", jane.Consent[0].Source);
        Assert.Equal("Zoë", (await Contact("zoe@example.com"))!.Attributes["first_name"].String);
        Assert.Equal("Renée", (await Contact("renee@example.com"))!.Attributes["first_name"].String);
        Assert.Null(await Contact("bob@example.com"));
        Assert.Null(await Contact("carol@example.com"));
        Assert.Null(await Contact("frank@example.com"));
        Assert.Equal(5, await _silo.ReadModel.CountAsync("acme"));
        Assert.Contains(await _silo.EventsAsync("acme", "import"), e => e.Type == "import.completed" && e.PayloadJson.Contains("\"created\":5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Import_DuplicateRowsInOneStep_AreMergedLaterCellsWin()
    {
        var file = Encoding.UTF8.GetBytes("email,first_name,country,lists\njane@example.com,Jane,FR,a\nJane@Example.com,Janet,,b\n");

        var status = await ImportRunner.RunAsync(_silo, "dups", file, new ImportDefinition("dups.csv", ImportFormat.Csv));

        Assert.Equal((1L, 1L, 0L), (status.Created, status.Merged, status.Updated));
        var jane = (await Contact("jane@example.com"))!;
        Assert.Equal(("Janet", "FR", 1L), (jane.Attributes["first_name"].String, jane.Attributes["country"].String, jane.Version));
        Assert.Equal(["a", "b"], jane.Lists);
    }

    [Fact]
    public async Task Import_UnknownColumn_FailsNamingTheColumn()
    {
        var file = Encoding.UTF8.GetBytes("email,first_name,Shoe Size\njane@example.com,Jane,38\n");

        var status = await ImportRunner.RunAsync(_silo, "unknown", file, new ImportDefinition("shoes.csv", ImportFormat.Csv));

        Assert.Equal(ImportState.Failed, status.State);
        Assert.Contains("column 3 ('Shoe Size') maps to 'shoe_size', which is not an attribute", status.Error, StringComparison.Ordinal);
        Assert.Null(await Contact("jane@example.com"));
    }

    [Fact]
    public async Task Import_UnknownColumnIgnored_WarnsOnceOnTheHeader()
    {
        var file = Encoding.UTF8.GetBytes("email,first_name,Shoe Size\njane@example.com,Jane,38\n");

        var status = await ImportRunner.RunAsync(_silo, "ignored", file, new ImportDefinition("shoes.csv", ImportFormat.Csv, IgnoreUnknownColumns: true));

        Assert.Equal((ImportState.Completed, 1L, 1L), (status.State, status.Created, status.Warnings));
        var issue = Assert.Single(await _silo.Grains.GetGrain<IContactImportGrain>("acme/ignored").GetIssues(0, 10));
        Assert.Equal((1L, "Shoe Size"), (issue.Row, issue.Column));
    }

    [Fact]
    public async Task Import_MappingToMissingColumn_FailsListingTheHeader()
    {
        var file = Encoding.UTF8.GetBytes("mail,prenom\njane@example.com,Jane\n");

        var status = await ImportRunner.RunAsync(_silo, "missing", file, new ImportDefinition(
            "fr.csv", ImportFormat.Csv, Mapping: new Dictionary<string, string> { ["Prénom"] = "first_name" }));

        Assert.Equal(ImportState.Failed, status.State);
        Assert.Contains("names column 'Prénom', which the header does not have (it has: 'mail', 'prenom')", status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_SuppressedAddress_StaysUnmailable()
    {
        await _silo.Grains.GetGrain<IContactGrain>("acme/bounced@example.com").Suppress(SuppressionReason.HardBounced, "550 5.1.1");
        var file = Encoding.UTF8.GetBytes("email,first_name\nbounced@example.com,Bea\n");

        var status = await ImportRunner.RunAsync(_silo, "suppressed", file, new ImportDefinition("again.csv", ImportFormat.Csv, Lists: ["newsletter"], ConsentPurpose: "*"));

        Assert.Equal(1, status.NotMailable);
        var contact = (await Contact("bounced@example.com"))!;
        Assert.False(contact.Mailable);
        Assert.Equal("Bea", contact.Attributes["first_name"].String);
    }

    [Fact]
    public async Task Import_Xlsx_AppliesTypedCellsAndReportsBadRowByRow()
    {
        var file = XlsxFile.Write(
        [
            ["Email", "First name", "Total spent", "Birth date", "Interests"],
            ["amy@example.com", "Amy", 99.5, "1990-04-02", "books;music"],
            [],
            ["bad@", "Bad", 1, null, null],
        ]);

        var status = await ImportRunner.RunAsync(_silo, "xlsx", file, new ImportDefinition("contacts.xlsx", ImportFormat.Xlsx));

        Assert.Equal((ImportState.Completed, 1L, 1L), (status.State, status.Created, status.Invalid));
        var amy = (await Contact("amy@example.com"))!;
        Assert.Equal(99.5, amy.Attributes["total_spent"].Number);
        Assert.Equal(new DateTimeOffset(1990, 4, 2, 0, 0, 0, TimeSpan.Zero), amy.Attributes["birth_date"].Date);
        Assert.Equal(4, Assert.Single(await _silo.Grains.GetGrain<IContactImportGrain>("acme/xlsx").GetIssues(0, 10)).Row);
    }

    [Fact]
    public async Task Import_NotAWorkbook_FailsSaying()
    {
        var status = await ImportRunner.RunAsync(_silo, "notxlsx", Encoding.UTF8.GetBytes("email\njane@example.com\n"), new ImportDefinition("x.xlsx", ImportFormat.Xlsx));

        Assert.Equal(ImportState.Failed, status.State);
        Assert.Contains("not an .xlsx workbook", status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_SiloRestartsMidway_ResumesWithoutApplyingRowsTwice()
    {
        var csv = new StringBuilder("email,first_name\n");
        for (var i = 0; i < 60; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"user{i}@example.com,User {i}\n");
        }

        await ImportRunner.StartAsync(_silo, "resume", Encoding.UTF8.GetBytes(csv.ToString()), new ImportDefinition("big.csv", ImportFormat.Csv, ConsentPurpose: "*"));
        await ImportRunner.WaitForEventsAsync(_silo, e => e.Type == "contact.created", 10, "the first 10 contacts of import resume");
        await _silo.RestartAsync();
        await ImportRunner.WaitForEndAsync(_silo, "resume");

        var status = await _silo.Grains.GetGrain<IContactImportGrain>("acme/resume").GetStatus();
        Assert.Equal((ImportState.Completed, 60L), (status.State, status.RowsRead));
        Assert.Equal(60, status.Created + status.Updated + status.Unchanged);
        Assert.Equal(60, await _silo.ReadModel.CountAsync("acme"));
        for (var i = 0; i < 60; i += 7)
        {
            Assert.Single((await Contact($"user{i}@example.com"))!.Consent);
        }
    }

    [Fact]
    public async Task AppendChunk_GapInOffsets_IsRefusedWithTheExpectedOffset()
    {
        var import = _silo.Grains.GetGrain<IContactImportGrain>("acme/gap");
        await import.Create(new ImportDefinition("gap.csv", ImportFormat.Csv));
        await import.AppendChunk(0, new byte[10]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => import.AppendChunk(20, new byte[10]));
        var retried = await import.AppendChunk(0, new byte[10]);
        var start = await Assert.ThrowsAsync<ArgumentException>(() => import.Start(25));

        Assert.Contains("offset 20 does not continue the upload; 10 bytes were received", error.Message, StringComparison.Ordinal);
        Assert.Equal(10, retried);
        Assert.Contains("total_bytes is 25 but 10 bytes were received", start.Message, StringComparison.Ordinal);
    }
}
