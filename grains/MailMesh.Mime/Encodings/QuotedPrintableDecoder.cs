namespace MailMesh.Mime.Encodings;

/// <summary>
/// Lenient quoted-printable: soft line breaks (also "=" followed by trailing blanks), lower-case hex,
/// and bad escapes kept literally; line breaks in the text are kept as they are.
/// </summary>
public sealed class QuotedPrintableDecoder : IContentDecoder
{
    private State _state;
    private byte _first;
    private int _blanks;

    private enum State
    {
        Text,
        AfterEquals,
        AfterFirstHex,
        SoftBreakBlanks,
        SoftBreakCr,
    }

    /// <inheritdoc />
    public int Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var w = 0;
        var i = 0;
        while (i < input.Length)
        {
            if (_state == State.Text)
            {
                var eq = input[i..].IndexOf((byte)'=');
                if (eq < 0)
                {
                    input[i..].CopyTo(output[w..]);
                    return w + input.Length - i;
                }

                input.Slice(i, eq).CopyTo(output[w..]);
                w += eq;
                i += eq + 1;
                _state = State.AfterEquals;
                continue;
            }

            var b = input[i++];
            switch (_state)
            {
                case State.AfterEquals:
                    if (Rfc2047.HexValue(b) >= 0)
                    {
                        _first = b;
                        _state = State.AfterFirstHex;
                    }
                    else if (b == (byte)'\n')
                    {
                        _state = State.Text;
                    }
                    else if (b == (byte)'\r')
                    {
                        _state = State.SoftBreakCr;
                    }
                    else if (b is (byte)' ' or (byte)'\t')
                    {
                        _blanks = 1;
                        _state = State.SoftBreakBlanks;
                    }
                    else
                    {
                        output[w++] = (byte)'=';
                        output[w++] = b;
                        _state = State.Text;
                    }

                    break;
                case State.AfterFirstHex:
                    if (Rfc2047.HexValue(b) >= 0)
                    {
                        output[w++] = (byte)((Rfc2047.HexValue(_first) << 4) | Rfc2047.HexValue(b));
                    }
                    else
                    {
                        output[w++] = (byte)'=';
                        output[w++] = _first;
                        i--;
                    }

                    _state = State.Text;
                    break;
                case State.SoftBreakCr:
                    _state = State.Text;
                    if (b != (byte)'\n')
                    {
                        i--;
                    }

                    break;
                case State.SoftBreakBlanks:
                    if (b is (byte)' ' or (byte)'\t' && _blanks < 32)
                    {
                        _blanks++;
                    }
                    else if (b == (byte)'\r')
                    {
                        _state = State.SoftBreakCr;
                    }
                    else if (b == (byte)'\n')
                    {
                        _state = State.Text;
                    }
                    else
                    {
                        // "=" followed by blanks and text: not a soft break, keep it all.
                        output[w++] = (byte)'=';
                        for (var k = 0; k < _blanks; k++)
                        {
                            output[w++] = (byte)' ';
                        }

                        i--;
                        _state = State.Text;
                    }

                    break;
                default:
                    _state = State.Text;
                    break;
            }
        }

        return w;
    }

    /// <inheritdoc />
    public int Flush(Span<byte> output)
    {
        var w = 0;
        if (_state == State.AfterEquals)
        {
            output[w++] = (byte)'=';
        }
        else if (_state == State.AfterFirstHex)
        {
            output[w++] = (byte)'=';
            output[w++] = _first;
        }

        _state = State.Text;
        return w;
    }
}
