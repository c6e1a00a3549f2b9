using MailMesh.Campaigns.Links;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using Microsoft.AspNetCore.Http;

namespace MailMesh.Engagement.Tracking;

public sealed partial class TrackingEndpoints
{
    /// <summary>GET <c>/f/{token}</c>: the form the token names, filled with the contact's current values.</summary>
    public async Task FormPageAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await LoadFormAsync(context).ConfigureAwait(false) is not { } loaded)
        {
            return;
        }

        await HtmlAsync(context, StatusCodes.Status200OK, TrackingPages.Form(loaded.Form, loaded.Schema, loaded.Contact, _nonce.For(Token(context)))).ConfigureAwait(false);
    }

    /// <summary>POST <c>/f/{token}</c>: validates the fields against the form and the tenant's attribute schema, then updates
    /// the contact with consent recorded as <c>form:{id}</c> and the client's IP, and emits <c>form.submitted</c>.</summary>
    public async Task FormPostAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Check(context, TrackingKind.Form, out var claims) is not 0 and var refused)
        {
            await RefuseAsync(context, refused).ConfigureAwait(false);
            return;
        }

        if (await ReadFormAsync(context).ConfigureAwait(false) is not { } posted || !await CheckPageOriginAsync(context, posted).ConfigureAwait(false))
        {
            return;
        }

        if (await LoadFormAsync(context).ConfigureAwait(false) is not { } loaded)
        {
            return;
        }

        var form = loaded.Form;
        foreach (var key in posted.Keys)
        {
            if (key != "nonce" && !form.Fields.Any(f => f.Attribute == key))
            {
                await PlainAsync(context, StatusCodes.Status400BadRequest, $"Field '{(key.Length > 64 ? key[..64] : key)}' is not part of this form.").ConfigureAwait(false);
                return;
            }
        }

        var (values, errors) = FormValues.Read(form, loaded.Schema, posted);
        if (errors.Count > 0)
        {
            await HtmlAsync(context, StatusCodes.Status400BadRequest, TrackingPages.Form(form, loaded.Schema, loaded.Contact, _nonce.For(Token(context)), errors)).ConfigureAwait(false);
            return;
        }

        var now = _time.GetUtcNow();
        var ip = ClientAddress(context)?.ToString();
        var source = "form:" + form.Id;
        var consent = form.ConsentPurpose is { } purpose
            ? new[] { new ConsentEntry($"{source}:{now.ToUnixTimeMilliseconds()}", purpose, ConsentAction.Granted, now, source, form.Id, ip, form.ConsentText) }
            : null;
        try
        {
            await _grains.GetGrain<IContactGrain>(claims.Tenant + "/" + claims.ContactAddress)
                .Update(new ContactChange(values, form.AddLists, null, consent, source)).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            await PlainAsync(context, StatusCodes.Status400BadRequest, "The form could not be saved: " + e.Message).ConfigureAwait(false);
            return;
        }

        await _grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact(claims.Tenant, claims.ContactAddress))
            .FormSubmitted(form.Id, claims.CampaignId, [.. values.Keys], ip).ConfigureAwait(false);
        await EnqueueAsync(context, claims, HitKind.Form, form.Id).ConfigureAwait(false);
        await HtmlAsync(context, StatusCodes.Status200OK, TrackingPages.Saved(form.Title)).ConfigureAwait(false);
    }

    /// <summary>The form, schema and contact of the request's token; on null the response is written.</summary>
    private async Task<(FormDefinition Form, AttributeSchema Schema, ContactInfo Contact)?> LoadFormAsync(HttpContext context)
    {
        if (Check(context, TrackingKind.Form, out var claims) is not 0 and var refused)
        {
            await RefuseAsync(context, refused).ConfigureAwait(false);
            return null;
        }

        var form = claims.List is null ? null : await _grains.GetGrain<IFormDirectoryGrain>(EngagementKeys.Forms(claims.Tenant)).Get(claims.List).ConfigureAwait(false);
        if (form is null)
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound).ConfigureAwait(false);
            return null;
        }

        if (await ContactOrNotFoundAsync(context, claims).ConfigureAwait(false) is not { } contact)
        {
            return null;
        }

        var schema = await _grains.GetGrain<IContactSchemaGrain>(claims.Tenant + "/contact-schema").Get().ConfigureAwait(false);
        return (form, schema, contact);
    }
}
