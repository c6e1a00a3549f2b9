using MailMesh.Bench.Engagement;

return await TrackingBench.RunAsync(args).ConfigureAwait(false);
