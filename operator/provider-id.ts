/**
 * An EKS node's providerID is `aws:///<availability-zone>/<instance-id>`; the region is the zone
 * without its letter suffix (us-east-1a → us-east-1; local zones like us-west-2-lax-1a → us-west-2).
 */
export function parseProviderId(providerId: string | undefined): { instanceId: string; region: string; zone: string } | undefined {
  const m = /^aws:\/\/\/([a-z]{2}(?:-[a-z]+)+-\d+)((?:-[a-z0-9]+)*[a-z])\/(i-[0-9a-f]{8,17})$/.exec(providerId ?? '');
  if (!m) return undefined;
  return { region: m[1]!, zone: `${m[1]}${m[2]}`, instanceId: m[3]! };
}
