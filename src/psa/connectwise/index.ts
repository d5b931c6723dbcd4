export { createConnectWiseConnector, type ConnectWiseConnectorDeps } from './connector.js';
// The Hosted API member check is ConnectWise-only and sits outside the PsaConnector port.
export {
  createConnectWiseMemberVerifier,
  type ConnectWiseMemberVerifierDeps,
  type HostedMemberClaim,
  type HostedMemberVerifier,
  type VerifiedHostedMember,
} from './hosted-member.js';
