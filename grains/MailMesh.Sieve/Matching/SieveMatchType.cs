namespace MailMesh.Sieve.Matching;

/// <summary>The match types of RFC 5228, relational (RFC 5231) and regex (draft-ietf-sieve-regex).</summary>
public enum SieveMatchType
{
    /// <summary>:is</summary>
    Is,

    /// <summary>:contains</summary>
    Contains,

    /// <summary>:matches (wildcards * and ?)</summary>
    Matches,

    /// <summary>:regex</summary>
    Regex,

    /// <summary>:value with a relation</summary>
    Value,

    /// <summary>:count with a relation</summary>
    Count,
}

/// <summary>The relations of RFC 5231.</summary>
public enum SieveRelation
{
    /// <summary>gt</summary>
    GreaterThan,

    /// <summary>ge</summary>
    GreaterOrEqual,

    /// <summary>lt</summary>
    LessThan,

    /// <summary>le</summary>
    LessOrEqual,

    /// <summary>eq</summary>
    Equal,

    /// <summary>ne</summary>
    NotEqual,
}
