namespace MailMesh.Testing;

/// <summary>The real servers that <c>scripts/test-servers.sh</c> starts for tests.</summary>
public enum Server
{
    /// <summary>PostgreSQL 15 (connection string in <c>MAILMESH_TEST_POSTGRES</c>).</summary>
    Postgres,

    /// <summary>RabbitMQ 3.10 (AMQP URI in <c>MAILMESH_TEST_RABBITMQ</c>).</summary>
    RabbitMq,

    /// <summary>Dovecot 2.3: IMAP, IMAPS, POP3 and LMTP (<c>MAILMESH_TEST_IMAP_*</c>, <c>MAILMESH_TEST_POP3_PORT</c>, <c>MAILMESH_TEST_LMTP_PORT</c>).</summary>
    Dovecot,

    /// <summary>An SMTP server that keeps every message it accepts in a Maildir (<c>MAILMESH_TEST_SMTP_*</c>).</summary>
    SmtpCapture,

    /// <summary>Postfix's <c>smtp-sink</c>: accepts, counts and discards mail (<c>MAILMESH_TEST_SMTPSINK_PORT</c>).</summary>
    SmtpSink,

    /// <summary>Azurite, the Azure Blob Storage emulator (<c>MAILMESH_TEST_AZURITE_*</c>).</summary>
    Azurite,
}
