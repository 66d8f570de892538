import { describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../tools/index.js';
import { resourcePermission, TOOL_PERMISSIONS } from './tool-permissions.js';

describe('tool permission map (DESIGN.md §6)', () => {
  it('names every registered tool, and only those (a new tool must be placed here or it is refused in cluster)', () => {
    expect(Object.keys(TOOL_PERMISSIONS).sort()).toEqual(ALL_TOOLS.map((t) => t.name).sort());
  });

  it('read tools need get nodelogcollections; collect and batch_collect need create; captures map to packetcaptures; runbooks need none', () => {
    expect(TOOL_PERMISSIONS.errors).toEqual({ verb: 'get', resource: 'nodelogcollections' });
    expect(TOOL_PERMISSIONS.collect).toEqual({ verb: 'create', resource: 'nodelogcollections' });
    expect(TOOL_PERMISSIONS.batch_collect).toEqual({ verb: 'create', resource: 'nodelogcollections' });
    expect(TOOL_PERMISSIONS.tcpdump_capture).toEqual({ verb: 'create', resource: 'packetcaptures' });
    expect(TOOL_PERMISSIONS.tcpdump_analyze).toEqual({ verb: 'get', resource: 'packetcaptures' });
    expect(TOOL_PERMISSIONS.list_sops).toBeNull();
    expect(TOOL_PERMISSIONS.get_sop).toBeNull();
    for (const t of ALL_TOOLS.filter((x) => x.annotations.readOnlyHint && !['list_sops', 'get_sop', 'tcpdump_analyze'].includes(x.name))) {
      expect(TOOL_PERMISSIONS[t.name], t.name).toEqual({ verb: 'get', resource: 'nodelogcollections' });
    }
  });

  it('bundle resources need get nodelogcollections; runbook resources only authentication', () => {
    expect(resourcePermission('bundle://n/b/manifest.json')).toEqual({ verb: 'get', resource: 'nodelogcollections' });
    expect(resourcePermission('sop://ipamd-ip-exhaustion')).toBeNull();
    expect(resourcePermission('anything-else://x')).toEqual({ verb: 'get', resource: 'nodelogcollections' });
  });
});
