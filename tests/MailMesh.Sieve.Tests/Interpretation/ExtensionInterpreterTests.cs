using MailMesh.Sieve.Extensions.MailMesh;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Tests.Support;

namespace MailMesh.Sieve.Tests.Interpretation;

public sealed class ExtensionInterpreterTests
{
    private static string Run(string script, string? message = null, SieveExecutionOptions? options = null) =>
        SieveTestHost.Describe(SieveTestHost.Run(script, message, options));

    [Fact]
    public void Set_Modifiers_ApplyInPrecedenceOrder()
    {
        const string script = """
            require ["variables", "fileinto"];
            set :upperfirst :lower "a" "hELLO wORLD";
            set :length "n" "${a}";
            set :quotewildcard "q" "a*b?";
            fileinto "${a}-${n}-${q}";
            """;
        Assert.Equal("fileinto Hello world-11-a\\*b\\?", Run(script));
    }

    [Fact]
    public void Matches_Wildcards_SetMatchVariables()
    {
        const string script = """
            require ["variables", "fileinto"];
            if header :matches "from" "* <*@*>" { fileinto "${2}.${3}"; }
            """;
        Assert.Equal("fileinto alice+news.example.org", Run(script));
    }

    [Fact]
    public void Regex_Groups_SetMatchVariables()
    {
        const string script = """
            require ["variables", "fileinto", "regex"];
            if header :regex "subject" "\\[([a-z]+)\\]$" { fileinto "tag-${1}"; }
            """;
        Assert.Equal("fileinto tag-urgent", Run(script));
    }

    [Fact]
    public void Regex_Catastrophic_TimesOutAsRuntimeError()
    {
        var message = "Subject: " + new string('a', 5000) + "!\r\n\r\nx\r\n";
        var options = new SieveExecutionOptions { Limits = new SieveLimits { RegexTimeout = TimeSpan.FromMilliseconds(50) } };
        var result = SieveTestHost.Run("require \"regex\"; if header :regex \"subject\" \"^(a+)+$\" { discard; }", message, options);
        Assert.False(result.Succeeded);
        Assert.Contains("ran longer than 50 ms", result.Error!.Message, StringComparison.Ordinal);
        Assert.True(result.ImplicitKeep);
    }

    [Theory]
    [InlineData(":value \"gt\"", "6", true)]
    [InlineData(":value \"lt\"", "7", false)]
    [InlineData(":count \"eq\"", "2", true)]
    [InlineData(":count \"ge\"", "3", false)]
    public void Relational_ValueAndCount_CompareNumerically(string match, string key, bool expected)
    {
        var script = $"require [\"relational\", \"comparator-i;ascii-numeric\", \"fileinto\"]; if {(match.Contains("count", StringComparison.Ordinal) ? "address" : "header")} {match} :comparator \"i;ascii-numeric\" {(match.Contains("count", StringComparison.Ordinal) ? "\"to\"" : "\"x-spam-score\"")} \"{key}\" {{ fileinto \"yes\"; }}";
        Assert.Equal(expected ? "fileinto yes" : "implicit-keep", Run(script));
    }

    [Fact]
    public void Body_Text_MatchesDecodedBody()
    {
        const string message = "Subject: x\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPrix: 10 =E2=82=AC\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Hello <b>world</b></p>\r\n--b--\r\n";
        Assert.Equal("fileinto euro", Run("require [\"body\", \"fileinto\"]; if body :contains \"10 \u20ac\" { fileinto \"euro\"; }", message));
        Assert.Equal("fileinto html", Run("require [\"body\", \"fileinto\"]; if body :text :contains \"Hello  world\" { fileinto \"html\"; }", message));
        Assert.Equal("fileinto raw", Run("require [\"body\", \"fileinto\"]; if body :raw :contains \"=E2=82=AC\" { fileinto \"raw\"; }", message));
        Assert.Equal("implicit-keep", Run("require [\"body\", \"fileinto\"]; if body :content \"text/plain\" :contains \"<p>\" { fileinto \"no\"; }", message));
        Assert.Equal("fileinto html", Run("require [\"body\", \"fileinto\"]; if body :content \"text/html\" :contains \"<p>\" { fileinto \"html\"; }", message));
    }

    [Fact]
    public void Imap4Flags_FlagsApplyToKeepAndFileInto()
    {
        const string script = """
            require ["imap4flags", "fileinto"];
            setflag "\\Seen";
            addflag ["$Work", "\\Seen \\Flagged"];
            removeflag "\\Seen";
            if hasflag :contains "work" { fileinto "Work"; }
            fileinto :flags "\\Deleted" "Trash";
            """;
        Assert.Equal("fileinto Work [$Work \\Flagged]; fileinto Trash [\\Deleted]", Run(script));
    }

    [Fact]
    public void Imap4Flags_ImplicitKeep_CarriesInternalFlags()
    {
        Assert.Equal("implicit-keep [\\Flagged]", Run("require \"imap4flags\"; addflag \"\\\\Flagged\";"));
    }

    [Fact]
    public void SpamTest_ReadsConfiguredHeader()
    {
        var options = new SieveExecutionOptions { SpamScore = new SieveScoreHeader("X-Spam-Score", 10) };
        const string script = """
            require ["spamtest", "relational", "comparator-i;ascii-numeric", "fileinto"];
            if spamtest :value "ge" :comparator "i;ascii-numeric" "7" { fileinto "Junk"; }
            """;
        Assert.Equal("fileinto Junk", Run(script, options: options));
        Assert.Equal("implicit-keep", Run(script.Replace("\"7\"", "\"9\"", StringComparison.Ordinal), options: options));
    }

    [Fact]
    public void SpamTest_WithoutConfiguration_ReportsNotTested()
    {
        Assert.Equal("fileinto untested", Run("require [\"spamtest\", \"fileinto\"]; if spamtest :is \"0\" { fileinto \"untested\"; }"));
    }

    [Fact]
    public void Date_HeaderParts_ConvertZone()
    {
        const string script = """
            require ["date", "fileinto", "variables"];
            if date :zone "+0000" "date" "hour" "12" { fileinto "utc"; }
            if date :originalzone "date" "zone" "+0200" { fileinto "orig"; }
            if date :is "date" "weekday" "2" { fileinto "tuesday"; }
            """;
        Assert.Equal("fileinto utc; fileinto orig; fileinto tuesday", Run(script));
    }

    [Fact]
    public void CurrentDate_UsesInjectedClock()
    {
        var clock = new FixedTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var options = new SieveExecutionOptions { Clock = clock };
        Assert.Equal("fileinto 2026-01-02", Run("require [\"date\", \"fileinto\", \"variables\"]; if currentdate :matches \"date\" \"*\" { fileinto \"${0}\"; }", options: options));
    }

    [Fact]
    public void Index_SelectsOccurrence()
    {
        const string message = "Received: from a by b; Tue, 1 Jul 2025 10:00:00 +0000\r\nReceived: from c by d; Tue, 1 Jul 2025 09:00:00 +0000\r\nSubject: x\r\n\r\nbody\r\n";
        const string script = """
            require ["index", "date", "fileinto"];
            if header :index 2 :contains "received" "from c" { fileinto "second"; }
            if date :index 1 :last :zone "+0000" "received" "hour" "09" { fileinto "last"; }
            """;
        Assert.Equal("fileinto second; fileinto last", Run(script, message));
    }

    [Fact]
    public void EditHeader_AddAndDelete_ChangeTheViewAndResult()
    {
        var result = SieveTestHost.Run("""
            require ["editheader", "fileinto"];
            addheader "X-Filtered" "yes";
            deleteheader :contains "x-spam-score" "7";
            deleteheader "received";
            if header :is "x-filtered" "yes" { fileinto "seen"; }
            if not exists "x-spam-score" { fileinto "gone"; }
            """);
        Assert.Equal("fileinto seen; fileinto gone", SieveTestHost.Describe(result));
        Assert.Equal("X-Filtered", result.EditedHeaders![0].Name);
        Assert.DoesNotContain(result.EditedHeaders, h => h.Name == "X-Spam-Score");
    }

    [Fact]
    public void Reject_CancelsKeepAndConflictsWithFileInto()
    {
        Assert.Equal("reject go away", Run("require \"reject\"; reject \"go away\";"));
        var result = SieveTestHost.Run("require [\"ereject\", \"fileinto\"]; fileinto \"A\"; ereject \"no\";");
        Assert.Contains("conflicts with the earlier fileinto", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_SeenIdIsReportedAfterCommit()
    {
        var tracker = new InMemoryDuplicateTracker();
        var clock = new FixedTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new SieveExecutionOptions { DuplicateTracker = tracker, Clock = clock };
        const string script = "require \"duplicate\"; if duplicate { discard; }";
        var first = SieveTestHost.Run(script, options: options);
        Assert.Equal("implicit-keep", SieveTestHost.Describe(first));
        foreach (var record in first.DuplicateRecords)
        {
            tracker.Record(record.Key, record.Expiry, clock.GetUtcNow());
        }

        Assert.Equal("discard", Run(script, options: options));
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal("implicit-keep", Run(script, options: options));
    }

    [Fact]
    public void Vacation_RepliesOncePerPeriod()
    {
        var tracker = new InMemoryVacationTracker();
        var clock = new FixedTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new SieveExecutionOptions { VacationTracker = tracker, Clock = clock, UserAddresses = ["bob@example.com"] };
        const string script = "require \"vacation\"; vacation :days 3 :subject \"Away\" \"I am away.\";";
        var first = SieveTestHost.Run(script, options: options);
        var reply = Assert.IsType<VacationAction>(first.Actions[0]);
        Assert.Equal(("alice+news@example.org", "Away", TimeSpan.FromDays(3), "<m1@example.org>"), (reply.Recipient, reply.Subject, reply.Period, reply.InReplyTo));
        var record = Assert.Single(first.VacationRecords);
        tracker.Record(record.Handle, record.Sender, record.Period, clock.GetUtcNow());

        var second = SieveTestHost.Run(script, options: options);
        Assert.Equal("implicit-keep", SieveTestHost.Describe(second));
        Assert.Contains(second.Log, l => l.Contains("already got this reply", StringComparison.Ordinal));
        clock.Advance(TimeSpan.FromDays(4));
        Assert.IsType<VacationAction>(SieveTestHost.Run(script, options: options).Actions[0]);
    }

    [Theory]
    [InlineData("Auto-Submitted: auto-replied\r\n", "auto-submitted")]
    [InlineData("List-Id: <list.example.org>\r\n", "mailing list")]
    [InlineData("Precedence: bulk\r\n", "Precedence")]
    public void Vacation_NeverAnswersAutomaticOrListMail(string header, string reason)
    {
        var message = header + SieveTestHost.SimpleMessage;
        var result = SieveTestHost.Run("require \"vacation\"; vacation \"away\";", message);
        Assert.Equal("implicit-keep", SieveTestHost.Describe(result));
        Assert.Contains(result.Log, l => l.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Vacation_SecondsNeedsVacationSeconds()
    {
        var compilation = SieveTestHost.TryCompile("require \"vacation\"; vacation :seconds 60 \"x\";");
        Assert.Contains("vacation-seconds", Assert.Single(compilation.Errors).Message, StringComparison.Ordinal);
        var result = SieveTestHost.Run("require [\"vacation\", \"vacation-seconds\"]; vacation :seconds 60 \"x\";");
        Assert.Equal(TimeSpan.FromSeconds(60), Assert.IsType<VacationAction>(result.Actions[0]).Period);
    }

    [Fact]
    public void Include_RunsPersonalAndGlobalScriptsAndSharesGlobals()
    {
        var resolver = new DictionaryResolver(new()
        {
            [("spam", SieveScriptLocation.Global)] = "require [\"include\", \"variables\", \"fileinto\"]; global \"box\"; if header :contains \"subject\" \"meeting\" { set \"box\" \"Meetings\"; return; } set \"box\" \"Other\";",
            [("tail", SieveScriptLocation.Personal)] = "require [\"include\", \"variables\", \"fileinto\"]; global \"box\"; fileinto \"${box}\";",
        });
        var options = new SieveExecutionOptions { ScriptResolver = resolver };
        const string script = """
            require ["include", "variables"];
            global "box";
            include :global "spam";
            include :once "tail";
            include :once "tail";
            include :optional "missing";
            """;
        Assert.Equal("fileinto Meetings", Run(script, options: options));
    }

    [Fact]
    public void Include_Loop_IsDetected()
    {
        var resolver = new DictionaryResolver(new()
        {
            [("a", SieveScriptLocation.Personal)] = "require \"include\"; include \"b\";",
            [("b", SieveScriptLocation.Personal)] = "require \"include\"; include \"a\";",
        });
        var result = SieveTestHost.Run("require \"include\"; include \"a\";", options: new SieveExecutionOptions { ScriptResolver = resolver });
        Assert.Contains("include loop", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Include_Missing_FailsUnlessOptional()
    {
        var result = SieveTestHost.Run("require \"include\"; include \"nope\";", options: new SieveExecutionOptions { ScriptResolver = new DictionaryResolver([]) });
        Assert.Contains("does not exist", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MailMesh_Actions_AreProducedWithoutCancellingKeep()
    {
        var result = SieveTestHost.Run("""
            require ["vnd.mailmesh", "variables"];
            if address :domain "from" "example.org" { assign "support-team"; tag ["customer", "eu"]; priority "high"; }
            notify :message "urgent mail" "escalation";
            retain :days 30;
            archive;
            """);
        Assert.Equal(
            [new AssignAction("support-team"), new TagAction("customer"), new TagAction("eu"), new PriorityAction(MailMeshPriority.High), new NotifyAction("escalation", "urgent mail"), new RetainAction(30), new ArchiveAction()],
            result.Actions.Take(7));
        Assert.True(result.ImplicitKeep);
    }

    private sealed class DictionaryResolver(Dictionary<(string, SieveScriptLocation), string> scripts) : ISieveScriptResolver
    {
        public string? Resolve(string name, SieveScriptLocation location) => scripts.GetValueOrDefault((name, location));
    }
}
