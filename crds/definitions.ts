import { nodeLogCollectionCrd } from './nodelogcollection-crd.js';
import { packetCaptureCrd } from './packetcapture-crd.js';

/** Both kinds, in the order their files are generated. */
export const CRD_DEFINITIONS = [nodeLogCollectionCrd, packetCaptureCrd] as const;
