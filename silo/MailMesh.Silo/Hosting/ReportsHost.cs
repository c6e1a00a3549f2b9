namespace MailMesh.Silo.Hosting;

/// <summary>Campaign and segment reports: the report service over the send log, the hit store and the notice store
/// (<c>{data}/reports.db</c>), served through gRPC (<c>mailmesh.v1.Reports</c>) and as HTML pages with charts on the
/// silo's HTTP host (<c>/reports/...</c>, beside <c>/healthz</c> and <c>/metrics</c>; never on the tracking listener).</summary>
public static class ReportsHost
{
    /// <summary>Registers the report service with files under <c>Silo:DataDirectory</c>. Call after <c>AddSiloTracking</c>
    /// (it reads the hit store).</summary>
    public static IServiceCollection AddSiloReports(this IServiceCollection services, IConfiguration configuration)
    {
        var silo = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        services.AddCampaignReports(configuration, silo.DataDirectoryFullPath);
        return services;
    }
}
