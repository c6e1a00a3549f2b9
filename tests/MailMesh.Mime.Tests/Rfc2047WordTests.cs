using System.Text;
using MailMesh.Mime.Encodings;

namespace MailMesh.Mime.Tests;

public sealed class Rfc2047WordTests
{
    [Theory]
    [InlineData("=?UTF-8?B?Q2Fm?= =?utf-8?b?w6k=?=", "Café")]
    [InlineData("=?utf-8?B?QQ?= =?utf-8?B?Qg==?=x", "ABx")]
    [InlineData("=?utf-8?B?QUJD?==?ISO-8859-1?Q?caf=E9?=", "ABCcafé")]
    [InlineData("=?Windows-1252?Q?=80?= and =?x-unknown-cs?Q?plain?=", "€ and plain")]
    [InlineData("=?koi8-r?B?8NLJ18XU?=", "Привет")]
    [InlineData("=?utf-8*en?Q?lang_tag?=", "lang tag")]
    public void Decode_WordsInCommonAndUncommonCharsets_DecodeEachWordFromACleanState(string input, string expected)
    {
        Assert.Equal(expected, Rfc2047.Decode(Encoding.ASCII.GetBytes(input)));
    }

    [Fact]
    public void Decode_BWordWithDanglingQuantumThenNextHeader_DoesNotLeakBitsIntoIt()
    {
        Assert.Equal("AB", Rfc2047.Decode(Encoding.ASCII.GetBytes("=?utf-8?B?QUI?=")));

        Assert.Equal("Zoë", Rfc2047.Decode(Encoding.ASCII.GetBytes("=?utf-8?B?Wm/Dqw==?=")));
    }
}
