using MailMesh.Audience.Contacts;
using MailMesh.Audience.ReadModel;
using MailMesh.Audience.Segments;
using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Tests;

/// <summary>Generated contacts (seeded) with the standard attributes and a few custom ones, nulls, lists, suppressions
/// and engagement, plus the segment expressions checked against them: each compiled to SQL and run by a read model, and
/// evaluated contact by contact in memory; the two must agree.</summary>
internal static class SegmentTestData
{
    public static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    public static AttributeSchema Schema { get; } = new(
    [
        .. StandardAttributes.All,
        new AttributeDefinition("vip", AttributeType.Bool),
        new AttributeDefinition("signup_at", AttributeType.Date),
        new AttributeDefinition("tags", AttributeType.List),
        new AttributeDefinition("never_set", AttributeType.String),
    ], 1);

    /// <summary>Expressions covering every operator, precedence, dates, nulls and lists.</summary>
    public static readonly string[] Expressions =
    [
        "tier = \"gold\"", "tier != \"gold\"", "tier == 'gold'", "tier <> \"gold\"", "tier in (\"gold\", \"silver\")", "tier not in (\"gold\")",
        "tier < \"m\"", "tier <= \"gold\"", "tier > \"premium\"", "tier >= \"premium\"", "tier between \"bronze\" and \"gold\"",
        "total_spent > 1000", "total_spent <= 50.5", "total_spent < 0.5", "total_spent >= 4999", "total_spent = 100",
        "total_spent between 100 and 200", "total_spent not between 100 and 4000", "purchase_count = 3", "purchase_count != 3",
        "purchase_count in (1, 2, 3)", "birth_date < 1970-01-01", "birth_date = 1985-06-15", "birth_date != 1985-06-15",
        "birth_date between 1980-01-01 and 1989-12-31", "birth_date before 1960-01-01", "birth_date after 2000-01-01",
        "birth_date <= 1960-01-01", "birth_date > 1999-12-31", "birth_date >= \"2000-01-01\"", "birth_date in (1985-06-15, 1990-01-01)",
        "last_purchase_at within 90d", "not last_purchase_at within 365d", "last_purchase_at not within 30d", "last_purchase_at > 30d ago",
        "last_purchase_at < 6mo ago", "last_purchase_at >= 2w ago", "last_purchase_at > 48h ago", "first_purchase_at <= today",
        "first_purchase_at < 2026-06-15T00:00:00Z", "first_purchase_at = today", "first_purchase_at <= now", "first_purchase_at < 1y ago",
        "interests contains \"golf\"", "interests not contains \"golf\"", "interests contains any (\"golf\", \"wine\")",
        "interests contains all (\"golf\", \"wine\")", "interests exists", "interests is null", "interests not exists",
        "city is not null", "city not exists", "never_set exists", "never_set is null", "not never_set = \"x\"",
        "vip", "not vip", "vip = false", "vip != true", "vip is null", "signup_at within 1y", "signup_at is null",
        "tags contains \"b2b\"", "tags contains any (\"b2b\", \"partner\")",
        "in list \"newsletter\"", "not in list \"newsletter\"", "lists contains \"offers\"", "lists is null",
        "suppressed", "not suppressed", "mailable", "unsubscribed", "unsubscribed from \"newsletter\"", "bounced", "complained",
        "mailable for \"newsletter\"", "opened within 90d", "not clicked within 365d", "opened", "not opened", "clicked before 2026-01-01",
        "opens > 5", "clicks = 0", "score >= 50", "status = \"active\"", "status is null", "domain = \"example.com\"",
        "address < \"m\"", "address >= \"m\" and domain != \"example.org\"", "role_address", "created_at within 1y", "updated_at > 2020-01-01",
        "contact.score > 10", "attr.tier = \"gold\"",
        "country in (\"FR\",\"BE\") and tier = \"gold\" and opened within 90d and not clicked within 365d",
        "tier = \"gold\" or tier = \"silver\" and country = \"FR\"", "tier = \"gold\" or (tier = \"silver\" and country = \"FR\")",
        "(tier = \"gold\" or tier = \"silver\") and country = \"FR\"", "not tier = \"gold\" and country = \"FR\"", "not (tier = \"gold\" and country = \"FR\")",
        "not not tier = \"gold\"", "tier = \"gold\" and (country = \"FR\" or country = \"BE\") or vip and not interests contains \"golf\"",
        "last_name = \"O'Brien\"", "last_name = 'O\\'Brien'", "first_name = \"Zoë\"", "first_name > \"Z\"", "city = \"a\\\\b\"",
        "tier = \"gold\" AND country = \"FR\" OR NOT vip",
    ];

    private static readonly string[] Tiers = ["gold", "premium", "silver", "bronze"];
    private static readonly string[] Countries = ["FR", "BE", "CH", "DE"];
    private static readonly string[] Interests = ["golf", "wine", "travel", "books"];
    private static readonly string[] Names = ["Anne", "Zoë", "Zack", "Émile", "Bob", "O'Brien", "Ünal", "a\\b", "日本", "Ab\tc"];

    /// <summary><paramref name="count"/> contacts of <paramref name="tenant"/>, the same for a seed.</summary>
    public static List<ContactInfo> Contacts(string tenant, int count, int seed = 11)
    {
        var random = new Random(seed);
        var contacts = new List<ContactInfo>(count);
        for (var i = 0; i < count; i++)
        {
            var attributes = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            void Maybe(string name, double probability, Func<AttributeValue> value)
            {
                if (random.NextDouble() < probability)
                {
                    attributes[name] = value();
                }
            }

            Maybe("tier", 0.8, () => AttributeValue.Of(Pick(random, Tiers)));
            Maybe("country", 0.9, () => AttributeValue.Of(Pick(random, Countries)));
            Maybe("first_name", 0.9, () => AttributeValue.Of(Pick(random, Names)));
            Maybe("last_name", 0.9, () => AttributeValue.Of(Pick(random, Names)));
            Maybe("city", 0.5, () => AttributeValue.Of(Pick(random, Names)));
            Maybe("total_spent", 0.85, () => AttributeValue.Of(random.Next(8) == 0 ? 100 : Math.Round(random.NextDouble() * 5000, 2)));
            Maybe("purchase_count", 0.85, () => AttributeValue.Of((double)random.Next(6)));
            Maybe("birth_date", 0.8, () => AttributeValue.Of(random.Next(10) == 0
                ? new DateTimeOffset(1985, 6, 15, random.Next(24), 0, 0, TimeSpan.Zero)
                : new DateTimeOffset(1950, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(random.Next(20_000))));
            Maybe("last_purchase_at", 0.7, () => AttributeValue.Of(Now.AddMinutes(-random.Next(800 * 24 * 60))));
            Maybe("first_purchase_at", 0.7, () => AttributeValue.Of(Now.AddHours(-random.Next(1000 * 24))));
            Maybe("interests", 0.7, () => AttributeValue.Of(Interests.Where(_ => random.Next(3) == 0).ToArray()));
            Maybe("vip", 0.6, () => AttributeValue.Of(random.Next(2) == 0));
            Maybe("signup_at", 0.5, () => AttributeValue.Of(Now.AddDays(-random.Next(700))));
            Maybe("tags", 0.3, () => AttributeValue.Of(new[] { "b2b", "partner", "press" }.Where(_ => random.Next(2) == 0).ToArray()));
            var lists = new[] { "newsletter", "offers" }.Where(_ => random.Next(2) == 0).ToList();
            var suppressions = new List<Suppression>();
            if (random.Next(6) == 0)
            {
                suppressions.Add(new Suppression("newsletter", SuppressionReason.Unsubscribed, Now));
            }

            if (random.Next(10) == 0)
            {
                suppressions.Add(new Suppression("*", (SuppressionReason)random.Next(4), Now));
            }

            var engagement = new ContactEngagement(
                random.Next(3) == 0 ? null : Now.AddHours(-random.Next(400 * 24)), random.Next(2) == 0 ? null : Now.AddHours(-random.Next(800 * 24)),
                random.Next(10), random.Next(3), random.Next(101), random.Next(3) == 0 ? null : Pick(random, ["active", "inactive"]));
            var local = (char)('a' + random.Next(26)) + "user" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var address = local + "@" + Pick(random, ["example.com", "example.org", "mail.example"]);
            var created = Now.AddDays(-random.Next(800));
            contacts.Add(new ContactInfo(tenant, address, address, attributes, lists, [], suppressions, engagement, random.Next(20) == 0,
                created, created.AddDays(random.Next(30)), 1));
        }

        return contacts;
    }

    /// <summary>Checks every expression: the read model's count and first page equal the in-memory evaluation.</summary>
    public static async Task AssertAgreeAsync(IContactSegmentStore store, string tenant, IReadOnlyList<ContactInfo> contacts, IEnumerable<string> expressions)
    {
        var fields = new SegmentFields(Schema, await store.GetSlotsAsync(tenant));
        foreach (var expression in expressions)
        {
            var predicate = SegmentParser.Parse(expression, fields, Now);
            var expected = contacts.Where(c => SegmentEvaluator.Matches(predicate, c)).Select(c => c.Address).Order(StringComparer.Ordinal).ToList();
            var query = store.Compile(predicate);
            var count = await store.CountMatchingAsync(tenant, query);
            Assert.True(expected.Count == count, $"{expression}: SQL counted {count}, the in-memory evaluation {expected.Count}\n{query.Where}");
            var page = await store.ListMatchingAsync(tenant, query, null, 20);
            Assert.True(expected.Take(20).SequenceEqual(page), $"{expression}: the first page differs\n{query.Where}");
        }
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
