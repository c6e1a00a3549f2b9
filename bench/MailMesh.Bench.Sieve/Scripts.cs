using System.Text;

namespace MailMesh.Bench.Sieve;

/// <summary>The benchmark scripts: a realistic 50-rule script (headers, addresses, body, regex, flags, fileinto) and a
/// headers-only one. Both use only what Pigeonhole's sieve-filter also supports.</summary>
internal static class Scripts
{
    public static string FiftyRules()
    {
        var s = new StringBuilder();
        s.AppendLine("require [\"fileinto\", \"imap4flags\", \"body\", \"regex\", \"variables\", \"relational\", \"comparator-i;ascii-numeric\", \"subaddress\", \"envelope\"];");
        string[] domains = ["github.com", "gitlab.com", "paypal.com", "amazon.com", "python.org", "debian.org", "apache.org", "google.com", "microsoft.com", "example.com"];
        for (var i = 0; i < domains.Length; i++)
        {
            s.AppendLine($"if address :domain :is \"from\" \"{domains[i]}\" {{ fileinto \"Vendors/{domains[i]}\"; addflag \"$Vendor{i}\"; }}");
        }

        string[] keywords = ["invoice", "receipt", "password", "security", "meeting", "unsubscribe", "newsletter", "release", "bug", "urgent"];
        for (var i = 0; i < keywords.Length; i++)
        {
            s.AppendLine($"if header :contains \"subject\" \"{keywords[i]}\" {{ addflag \"$Kw{i}\"; }}");
        }

        string[] lists = ["python-dev", "debian-devel", "linux-kernel", "dev.apache", "golang-nuts"];
        foreach (var list in lists)
        {
            s.AppendLine($"if header :contains \"list-id\" \"{list}\" {{ fileinto \"Lists/{list}\"; stop; }}");
        }

        s.AppendLine("if header :regex \"subject\" \"^\\\\[([a-z0-9-]+)\\\\]\" { set \"tag\" \"${1}\"; addflag \"$Tagged\"; }");
        s.AppendLine("if header :regex \"subject\" \"(order|ticket) #?[0-9]{4,}\" { fileinto \"Orders\"; }");
        s.AppendLine("if header :regex \"from\" \"no-?reply@\" { addflag \"$Automated\"; }");
        s.AppendLine("if header :matches \"subject\" \"*re: *\" { addflag \"$Reply\"; }");
        s.AppendLine("if header :matches \"x-mailer\" \"*Outlook*\" { addflag \"$Outlook\"; }");
        s.AppendLine("if exists \"x-spam-flag\" { fileinto \"Junk\"; stop; }");
        s.AppendLine("if header :value \"ge\" :comparator \"i;ascii-numeric\" \"x-priority\" \"4\" { addflag \"$Low\"; }");
        s.AppendLine("if header :is \"precedence\" [\"bulk\", \"list\", \"junk\"] { addflag \"$Bulk\"; }");
        s.AppendLine("if address :localpart :is \"to\" [\"postmaster\", \"abuse\", \"security\"] { fileinto \"Admin\"; }");
        s.AppendLine("if address :detail \"to\" \"billing\" { fileinto \"Billing\"; }");
        s.AppendLine("if size :over 500K { addflag \"$Large\"; }");
        s.AppendLine("if size :under 2K { addflag \"$Small\"; }");
        s.AppendLine("if allof (header :contains \"content-type\" \"multipart\", exists \"x-attachment-id\") { addflag \"$Attachment\"; }");
        s.AppendLine("if anyof (header :contains \"subject\" \"out of office\", header :contains \"auto-submitted\" \"auto-replied\") { fileinto \"Auto\"; }");
        s.AppendLine("if not exists \"message-id\" { addflag \"$NoId\"; }");
        s.AppendLine("if header :contains \"received\" \"localhost\" { addflag \"$Local\"; }");
        s.AppendLine("if body :text :contains \"unsubscribe\" { addflag \"$Marketing\"; }");
        s.AppendLine("if body :text :contains [\"lottery\", \"viagra\", \"bitcoin\"] { fileinto \"Junk\"; stop; }");
        s.AppendLine("if body :raw :contains \"BEGIN PGP\" { addflag \"$Signed\"; }");
        s.AppendLine("if body :content \"text/html\" :contains \"<table\" { addflag \"$Html\"; }");
        s.AppendLine("if header :regex \"date\" \"(Sat|Sun), \" { addflag \"$Weekend\"; }");
        s.AppendLine("if header :contains \"cc\" \"team@\" { addflag \"$CcTeam\"; }");
        s.AppendLine("if address :all :is \"reply-to\" \"support@example.com\" { fileinto \"Support\"; }");
        s.AppendLine("if header :matches \"content-type\" \"multipart/report*\" { fileinto \"Reports\"; }");
        s.AppendLine("if body :text :regex \"[0-9]{3}-[0-9]{4}\" { addflag \"$Phone\"; }");
        return s.ToString();
    }

    public static string HeadersOnly()
    {
        var s = new StringBuilder();
        s.AppendLine("require [\"fileinto\", \"imap4flags\"];");
        string[] domains = ["github.com", "gitlab.com", "paypal.com", "amazon.com", "python.org", "debian.org", "apache.org", "google.com"];
        foreach (var d in domains)
        {
            s.AppendLine($"if address :domain :is \"from\" \"{d}\" {{ fileinto \"Vendors/{d}\"; }}");
        }

        string[] keywords = ["invoice", "receipt", "password", "security", "meeting", "newsletter", "release", "urgent"];
        foreach (var k in keywords)
        {
            s.AppendLine($"if header :contains \"subject\" \"{k}\" {{ addflag \"${k}\"; }}");
        }

        s.AppendLine("if exists \"list-id\" { fileinto \"Lists\"; }");
        s.AppendLine("if header :is \"precedence\" [\"bulk\", \"list\"] { addflag \"$Bulk\"; }");
        s.AppendLine("if header :matches \"subject\" \"*re: *\" { addflag \"$Reply\"; }");
        s.AppendLine("if not exists \"message-id\" { addflag \"$NoId\"; }");
        return s.ToString();
    }
}
