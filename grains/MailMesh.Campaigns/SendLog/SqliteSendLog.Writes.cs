using MailMesh.Grains.Campaigns;
using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.SendLog;

public sealed partial class SqliteSendLog
{
    /// <summary>Longest reply text kept per record.</summary>
    public const int MaxReplyLength = 1000;

    /// <inheritdoc />
    public Task<int> EnqueueAsync(string tenant, string campaignId, IReadOnlyList<PlannedSend> sends, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        ArgumentNullException.ThrowIfNull(sends);
        return WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO send_records (tenant, campaign, contact, send_id, shard, status, attempts, last_code, queued_at, updated_at, not_before)
                VALUES ($t, $c, $contact, $s, $shard, 0, 0, 0, $now, $now, $nb)
                ON CONFLICT (tenant, campaign, contact) DO NOTHING
                """;
            command.Parameters.AddWithValue("$t", tenant);
            command.Parameters.AddWithValue("$c", campaignId);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            var contact = command.Parameters.Add("$contact", SqliteType.Text);
            var id = command.Parameters.Add("$s", SqliteType.Blob);
            var shard = command.Parameters.Add("$shard", SqliteType.Integer);
            var notBefore = command.Parameters.Add("$nb", SqliteType.Integer);
            command.Prepare();
            var added = 0;
            foreach (var send in sends)
            {
                contact.Value = send.ContactAddress;
                id.Value = Bytes(send.SendId);
                shard.Value = send.Shard;
                notBefore.Value = send.NotBefore.ToUnixTimeMilliseconds();
                added += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return added;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryMarkSendingAsync(string tenant, SendId sendId, SendStatus expected, string? messageId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        SendLogBatch.ClaimOneAsync(this, tenant, sendId, expected, messageId, now, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<bool>> TryMarkSendingAsync(string tenant, IReadOnlyList<SendClaim> claims, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        SendLogBatch.CheckClaims(claims);
        return WriteAsync<IReadOnlyList<bool>>(async (connection, transaction) =>
        {
            // One prepared statement run per record inside one transaction: one commit (one WAL sync) for the batch. Each
            // finds its row through the primary key (docs/adr/campaigns-08-keyed-send-log-writes.md).
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText =
                "UPDATE send_records SET status = 1, attempts = attempts + 1, message_id = COALESCE($m, message_id), updated_at = $now "
                + "WHERE tenant = $t AND campaign = $c AND contact = $contact AND send_id = $s AND status = $e";
            command.Parameters.AddWithValue("$t", tenant);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            var campaign = command.Parameters.Add("$c", SqliteType.Text);
            var contact = command.Parameters.Add("$contact", SqliteType.Text);
            var id = command.Parameters.Add("$s", SqliteType.Blob);
            var messageId = command.Parameters.Add("$m", SqliteType.Text);
            var expected = command.Parameters.Add("$e", SqliteType.Integer);
            command.Prepare();
            var claimed = new bool[claims.Count];
            for (var i = 0; i < claims.Count; i++)
            {
                campaign.Value = claims[i].CampaignId;
                contact.Value = claims[i].ContactAddress;
                id.Value = Bytes(claims[i].SendId);
                messageId.Value = (object?)claims[i].MessageId ?? DBNull.Value;
                expected.Value = (int)claims[i].Expected;
                claimed[i] = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
            }

            return claimed;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task CompleteAsync(string tenant, SendId sendId, SendStatus status, int code, string? reply, DateTimeOffset? nextAttemptAt, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        SendLogBatch.CompleteOneAsync(this, tenant, sendId, status, code, reply, nextAttemptAt, now, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<SendId>> CompleteAsync(string tenant, IReadOnlyList<SendCompletion> outcomes, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        SendLogBatch.CheckCompletions(outcomes);
        return WriteAsync<IReadOnlyList<SendId>>(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText =
                "UPDATE send_records SET status = $st, last_code = $code, last_reply = $r, not_before = COALESCE($nb, not_before), updated_at = $now, "
                + "first_deferred_at = CASE WHEN $st = 3 THEN COALESCE(first_deferred_at, $now) ELSE first_deferred_at END "
                + "WHERE tenant = $t AND campaign = $c AND contact = $contact AND send_id = $s AND status = 1";
            command.Parameters.AddWithValue("$t", tenant);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            var campaign = command.Parameters.Add("$c", SqliteType.Text);
            var contact = command.Parameters.Add("$contact", SqliteType.Text);
            var id = command.Parameters.Add("$s", SqliteType.Blob);
            var status = command.Parameters.Add("$st", SqliteType.Integer);
            var code = command.Parameters.Add("$code", SqliteType.Integer);
            var reply = command.Parameters.Add("$r", SqliteType.Text);
            var notBefore = command.Parameters.Add("$nb", SqliteType.Integer);
            command.Prepare();
            var missed = new List<SendId>();
            foreach (var outcome in outcomes)
            {
                campaign.Value = outcome.CampaignId;
                contact.Value = outcome.ContactAddress;
                id.Value = Bytes(outcome.SendId);
                status.Value = (int)outcome.Status;
                code.Value = outcome.Code;
                reply.Value = (object?)Trim(outcome.Reply) ?? DBNull.Value;
                notBefore.Value = outcome.NextAttemptAt is { } next ? next.ToUnixTimeMilliseconds() : DBNull.Value;
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    missed.Add(outcome.SendId);
                }
            }

            return missed;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> SkipAsync(string tenant, SendId sendId, SendStatus status, string reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (status is not (SendStatus.Suppressed or SendStatus.Failed or SendStatus.Cancelled))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "a record is skipped as suppressed, failed or cancelled.");
        }

        return await ExecuteAsync(
            "UPDATE send_records SET status = $st, last_reply = $r, updated_at = $now WHERE send_id = $s AND tenant = $t AND status IN (0, 3)",
            c =>
            {
                Bind(c, tenant, sendId, now);
                c.Parameters.AddWithValue("$st", (int)status);
                c.Parameters.AddWithValue("$r", Trim(reason));
            }, cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public Task PostponeAsync(string tenant, SendId sendId, DateTimeOffset notBefore, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ExecuteAsync("UPDATE send_records SET not_before = $nb, updated_at = $now WHERE send_id = $s AND tenant = $t AND status IN (0, 3)", c =>
        {
            Bind(c, tenant, sendId, now);
            c.Parameters.AddWithValue("$nb", notBefore.ToUnixTimeMilliseconds());
        }, cancellationToken);

    /// <inheritdoc />
    public Task<long> CancelPendingAsync(string tenant, string campaignId, string reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE send_records SET status = 6, last_reply = $r, updated_at = $now WHERE tenant = $t AND campaign = $c AND status IN (0, 3)";
            command.Parameters.AddWithValue("$t", tenant);
            command.Parameters.AddWithValue("$c", campaignId);
            command.Parameters.AddWithValue("$r", Trim(reason));
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return (long)await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<DateTimeOffset> SendingDomainFirstUseAsync(string tenant, string domain, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(domain);
        return WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO sending_domains (tenant, domain, first_used_at) VALUES ($t, $d, $now) ON CONFLICT (tenant, domain) DO NOTHING;
                SELECT first_used_at FROM sending_domains WHERE tenant = $t AND domain = $d;
                """;
            command.Parameters.AddWithValue("$t", tenant);
            command.Parameters.AddWithValue("$d", domain.ToLowerInvariant());
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return DateTimeOffset.FromUnixTimeMilliseconds((long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
        }, cancellationToken);
    }

    private static void Bind(SqliteCommand command, string tenant, SendId sendId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$s", Bytes(sendId));
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
    }

    private static string? Trim(string? text) => text is { Length: > MaxReplyLength } ? text[..MaxReplyLength] : text;

    private Task<int> ExecuteAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            bind(command);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var result = await work(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
