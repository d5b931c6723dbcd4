export { createConnectWiseConnector, type ConnectWiseConnectorDeps } from './connector.js';
// The Hosted API member check is ConnectWise-only and sits outside the PsaConnector port.
export { createConnectWiseMemberVerifier, type ConnectWiseMemberVerifierDeps } from './hosted-member.js';
