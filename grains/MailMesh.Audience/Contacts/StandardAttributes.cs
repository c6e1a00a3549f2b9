using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Contacts;

/// <summary>The attributes every tenant's schema starts with.</summary>
public static class StandardAttributes
{
    /// <summary>The definitions, by name.</summary>
    public static IReadOnlyList<AttributeDefinition> All { get; } =
    [
        Text("first_name", "Given name"), Text("last_name", "Family name"), Text("role", "Job role or title"),
        Text("customer_code", "The customer's id in the tenant's own systems"), Date("birth_date", "Date of birth"),
        Text("gender", "Gender as declared"), Text("family_status", "Family situation"), Text("profession", "Profession"),
        Text("city", "City"), Text("region", "Region or state"), Text("country", "ISO 3166-1 alpha-2 country code"),
        Text("time_zone", "IANA time zone, e.g. Europe/Paris"), Text("tier", "Loyalty tier, e.g. gold, premium, bronze"),
        Number("total_spent", "Total amount spent"), Number("purchase_count", "Number of purchases"),
        Number("first_purchase_amount", "Amount of the first purchase"), Date("first_purchase_at", "When the first purchase was made"),
        Date("last_purchase_at", "When the last purchase was made"),
        new AttributeDefinition("interests", AttributeType.List, "Interests, declared or inferred", BuiltIn: true),
    ];

    private static AttributeDefinition Text(string name, string description) => new(name, AttributeType.String, description, BuiltIn: true);

    private static AttributeDefinition Number(string name, string description) => new(name, AttributeType.Number, description, BuiltIn: true);

    private static AttributeDefinition Date(string name, string description) => new(name, AttributeType.Date, description, BuiltIn: true);
}
