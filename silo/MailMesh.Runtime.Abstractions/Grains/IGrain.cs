namespace MailMesh.Runtime;

/// <summary>Marker for every grain interface.</summary>
public interface IGrain;

/// <summary>A grain addressed by a string key of the form <c>tenant/…</c>.</summary>
public interface IGrainWithStringKey : IGrain;
