namespace MailMesh.Runtime.RabbitMq.Internal;

/// <summary>An outbox for one destination that publishes whatever is waiting as one message: the first item starts a
/// send loop on the thread pool; each pass takes the items queued so far (up to <c>maxItems</c> and
/// <c>maxBytes</c>; an item larger than that goes alone) and publishes them, and the next pass takes what arrived
/// during that publish. No timer delays anything: under light load a batch holds one item, under heavy load the
/// batches grow to the caps by themselves (Nagle's rule without its delay).</summary>
internal sealed class Coalescer<T>
{
    private readonly Lock _lock = new();
    private readonly Queue<(T Item, int Size)> _waiting = new();
    private readonly int _maxItems;
    private readonly int _maxBytes;
    private readonly Func<IReadOnlyList<T>, Task> _publish;
    private readonly Action<IReadOnlyList<T>, Exception> _fail;
    private readonly Action<Coalescer<T>>? _idle;
    private bool _sending;

    /// <param name="maxItems">The most items one publish carries.</param>
    /// <param name="maxBytes">The most bytes one publish carries, unless its first item alone is larger.</param>
    /// <param name="publish">Publishes one batch (never empty); the list is reused after the returned task ends.</param>
    /// <param name="fail">Told about a batch whose publish threw.</param>
    /// <param name="idle">Called when the loop found nothing more to send (an owner may then drop this outbox).</param>
    public Coalescer(int maxItems, int maxBytes, Func<IReadOnlyList<T>, Task> publish, Action<IReadOnlyList<T>, Exception> fail, Action<Coalescer<T>>? idle = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _maxItems = maxItems;
        _maxBytes = maxBytes;
        _publish = publish;
        _fail = fail;
        _idle = idle;
    }

    /// <summary>Queues an item of about <paramref name="size"/> bytes; it goes out with the next publish.</summary>
    public void Enqueue(T item, int size)
    {
        lock (_lock)
        {
            _waiting.Enqueue((item, size));
            if (_sending)
            {
                return;
            }

            _sending = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static outbox => _ = outbox.SendAsync(), this, preferLocal: false);
    }

    private async Task SendAsync()
    {
        var batch = new List<T>(Math.Min(_maxItems, 64));
        while (true)
        {
            batch.Clear();
            lock (_lock)
            {
                var bytes = 0;
                while (batch.Count < _maxItems && _waiting.TryPeek(out var next) && (batch.Count == 0 || bytes + next.Size <= _maxBytes))
                {
                    _waiting.Dequeue();
                    batch.Add(next.Item);
                    bytes += next.Size;
                }

                if (batch.Count == 0)
                {
                    _sending = false;
                    break;
                }
            }

            try
            {
                await _publish(batch).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _fail(batch, e);
            }
        }

        _idle?.Invoke(this);
    }
}
