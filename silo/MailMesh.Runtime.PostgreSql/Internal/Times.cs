namespace MailMesh.Runtime.PostgreSql.Internal;

/// <summary>An exact <see cref="DateTimeOffset"/> as PostgreSQL stores it: a <c>timestamptz</c> (microseconds), the
/// remaining 100 ns ticks (0-9) and the offset in minutes.</summary>
internal readonly record struct StoredTime(DateTime Utc, short Ticks, short OffsetMinutes)
{
    public static StoredTime From(DateTimeOffset value)
    {
        var utcTicks = value.UtcTicks;
        var remainder = utcTicks % 10;
        return new StoredTime(new DateTime(utcTicks - remainder, DateTimeKind.Utc), (short)remainder, (short)value.Offset.TotalMinutes);
    }

    public DateTimeOffset ToDateTimeOffset() =>
        new DateTimeOffset(DateTime.SpecifyKind(Utc, DateTimeKind.Utc).AddTicks(Ticks)).ToOffset(TimeSpan.FromMinutes(OffsetMinutes));

    /// <summary>A clock reading as stored to the microsecond (membership times).</summary>
    public static DateTime Microseconds(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % 10), DateTimeKind.Utc);
}
