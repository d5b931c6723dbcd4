/**
 * The hosted page's one script, served inline under a per-response CSP nonce. Plain browser JavaScript in a string:
 * the project's TypeScript has no DOM types, and the page needs no bundler for ~200 lines.
 *
 * Protocol, as ConnectWise's own Hosted API client library speaks it (reference/specs/connectwise-hosted-api-evidence.md):
 * messages are JSON strings; the page first posts `{"message":"ready"}` to the ConnectWise origin; the host answers
 * `{MessageFrameID}`; every later message carries `frameID`. Requests go as `{hosted_request:"getMemberAuthentication",
 * frameID}` (ConnectWise ignores `request`); the reply is `{response:"getmemberauthentication", data:{companyid,
 * memberid, memberHash, memberContext, ...}}`. Every host event `{event, _id, ...}` is acknowledged with
 * `{event, _id, result:"success", frameID}` — a pod's `beforeSave` blocks the ticket from saving until it is.
 * Only messages from the parent window at a configured frame-ancestor origin count, and messages go to exact origins,
 * never "*": `ready` to the parent's origin when the browser tells it (ancestorOrigins or the referrer) and it is
 * allowed, else to each exact configured origin; everything after it to the origin that answered.
 *
 * Each issue or revoke needs a single-use action token: the first (to issue) comes with the session; each later one is
 * minted after the page asks ConnectWise for the member's authentication again and the connector has ConnectWise
 * confirm it.
 *
 * Progress is mirrored in `data-state` on #tap-app (waiting, outside-frame, no-ticket, no-host, verifying, ready,
 * issuing, done, revoking, revoked, refused) so a browser test can wait for a state instead of sleeping.
 */
export const HOSTED_PAGE_SCRIPT = String.raw`(() => {
  'use strict';
  const root = document.getElementById('tap-app');
  const el = (id) => document.getElementById(id);
  const ticketId = root.dataset.ticketId || '';
  const allowed = JSON.parse(root.dataset.frameOrigins || '[]');
  const sessionUrl = new URL(root.dataset.sessionPath, window.location.href).href;
  const tapUrl = new URL(root.dataset.tapPath, window.location.href).href;
  const actionUrl = new URL(root.dataset.actionPath, window.location.href).href;
  const revokeUrl = new URL(root.dataset.revokePath, window.location.href).href;
  const HOST_TIMEOUT_MS = Number(root.dataset.hostTimeoutMs || '10000');

  // The ConnectWise host once it has answered "ready": its origin and the frame id every later message carries.
  let host = null;
  // Events that arrived before the frame id: acknowledged as soon as it is known.
  const unacknowledged = [];
  // Callers waiting for the next getMemberAuthentication reply.
  let memberWaiters = [];
  let session = null;
  let actionToken = null;

  const setState = (state) => { root.dataset.state = state; };
  const say = (text) => { el('tap-status').textContent = text; };
  const showError = (text) => { const box = el('tap-error'); box.textContent = text; box.hidden = !text; };
  const stop = (state, text) => { setState(state); say(''); showError(text); };

  // A CSP source is an exact origin or "scheme://*.domain" (any subdomain), the same forms frame-ancestors accepts.
  const originAllowed = (origin) => allowed.some((source) => {
    if (source === origin) return true;
    const wildcard = /^(https?:)\/\/\*\.(.+)$/.exec(source);
    if (!wildcard) return false;
    try {
      const url = new URL(origin);
      return url.protocol === wildcard[1] && url.host.endsWith('.' + wildcard[2]);
    } catch (e) {
      return false;
    }
  });

  // The parent's origin when the browser tells it (Chromium and Safari: ancestorOrigins; otherwise the referrer).
  const parentOrigin = () => {
    try {
      const ancestors = window.location.ancestorOrigins;
      if (ancestors && ancestors.length > 0) return ancestors[0];
      return document.referrer ? new URL(document.referrer).origin : null;
    } catch (e) {
      return null;
    }
  };

  // Where "ready" goes: the parent's own origin when the browser tells it and it is allowed (a wildcard entry included);
  // otherwise each exact configured origin (the browser drops the copies whose origin is not the parent's).
  const readyTargets = () => {
    const parent = parentOrigin();
    if (parent && originAllowed(parent)) return [parent];
    return allowed.filter((source) => !source.includes('*'));
  };

  const toHost = (message) => {
    window.parent.postMessage(JSON.stringify(Object.assign({}, message, { frameID: host.frameId })), host.origin);
  };

  const acknowledge = (message) => {
    toHost({ event: message.event, _id: message._id, result: 'success' });
  };

  const askMember = () => new Promise((resolve) => {
    const timer = setTimeout(() => {
      memberWaiters = memberWaiters.filter((w) => w !== waiter);
      resolve(null);
    }, HOST_TIMEOUT_MS);
    const waiter = (data) => { clearTimeout(timer); resolve(data); };
    memberWaiters.push(waiter);
    toHost({ hosted_request: 'getMemberAuthentication' });
  });

  const claimOf = (data) => {
    const claim = {
      companyid: String(data.companyid == null ? '' : data.companyid),
      memberid: String(data.memberid == null ? '' : data.memberid),
      memberHash: String(data.memberHash == null ? '' : data.memberHash),
      memberContext: String(data.memberContext == null ? '' : data.memberContext),
    };
    return claim.memberContext ? claim : null;
  };

  const parseMessage = (data) => {
    if (typeof data === 'string') {
      try { return JSON.parse(data); } catch (e) { return null; }
    }
    return data && typeof data === 'object' ? data : null;
  };

  const post = async (url, body, headers) => {
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: Object.assign({ 'content-type': 'application/json' }, headers),
        body: JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      return { ok: false, detail: 'The connector could not be reached; check the connection and try again.' };
    }
    let json = null;
    try { json = await response.json(); } catch (e) { json = null; }
    if (response.ok && json) return { ok: true, status: response.status, body: json };
    const detail = json && typeof json.detail === 'string' ? json.detail : 'The connector answered with status ' + response.status + '.';
    return { ok: false, status: response.status, detail };
  };

  const showPreview = (ticket) => {
    el('tap-ticket').textContent = '#' + ticket.id + (ticket.summary ? ' — ' + ticket.summary : '');
    el('tap-company').textContent = ticket.companyName || ('Company ' + ticket.companyId);
    const mapping = el('tap-mapping');
    mapping.dataset.status = ticket.mapping.status;
    mapping.textContent = ticket.mapping.status === 'mapped'
      ? 'Mapped to ' + (ticket.mapping.tenant || 'its Microsoft 365 tenant') + ' (' + ticket.mapping.timeZone + ')'
      : ticket.mapping.status === 'disabled'
        ? 'TAP issuance is switched off for this company; an admin can enable it on the connector.'
        : 'Not mapped to a Microsoft 365 tenant yet; an admin must map it on the connector before a pass can be issued.';
    el('tap-user').textContent = ticket.userPrincipalName
      ? ticket.userPrincipalName + ' (from the ' + ticket.userSource + ')'
      : 'No user on the ticket: fill in the UPN field or the contact\'s e-mail.';
    const start = ticket.startDate;
    el('tap-start-date').textContent = start.kind === 'date'
      ? start.date
      : start.kind === 'unclear'
        ? '"' + start.text + '" cannot be read; write it as YYYY-MM-DD.'
        : 'None: the pass is usable now.';
    el('tap-preview').hidden = false;
  };

  const NOTE_STATUS = {
    written: 'The pass is in a new internal note on this ticket.',
    pending: 'The internal note is queued and will appear on this ticket shortly.',
    failed: 'The internal note could not be written; check the connector\'s audit log.',
    none: '',
  };

  const showResult = (result) => {
    el('tap-result-heading').textContent = result.status === 'issued'
      ? 'Temporary Access Pass issued'
      : 'A pass was already issued for this user a few minutes ago (shown below); tick "Replace existing pass" to issue a new one.';
    el('tap-result-user').textContent = result.userPrincipalName;
    el('tap-result-start').textContent = result.display.startDateTime;
    el('tap-result-expires').textContent = result.display.expiresDateTime;
    el('tap-result-usage').textContent = (result.usableOnce ? 'One-time use' : 'Reusable until it expires') + ', ' + result.lifetimeMinutes + ' minutes';
    el('tap-result-note').textContent = NOTE_STATUS[result.note.status] || '';
    el('tap-result').dataset.status = result.status;
    el('tap-result').hidden = false;
  };

  const NO_MEMBER = 'ConnectWise did not share who is signed in; reload the ticket and try again.';

  const startSession = async () => {
    const data = await askMember();
    const claim = data && typeof data === 'object' ? claimOf(data) : null;
    if (!claim) return stop('refused', NO_MEMBER);
    setState('verifying');
    say('Checking your ConnectWise sign-in…');
    const answer = await post(sessionUrl, Object.assign({ ticketId }, claim), {});
    if (!answer.ok) return stop('refused', answer.detail);
    session = answer.body;
    actionToken = session.actionToken;
    showPreview(session.ticket);
    setState('ready');
    say('');
  };

  // A fresh single-use action token: ConnectWise confirms the member again, then the connector mints the token.
  const freshActionToken = async (action, sessionHeaders) => {
    const data = await askMember();
    const claim = data && typeof data === 'object' ? claimOf(data) : null;
    if (!claim) return { ok: false, detail: NO_MEMBER };
    const minted = await post(actionUrl, Object.assign({ action }, claim), sessionHeaders);
    return minted.ok ? { ok: true, token: minted.body.actionToken } : minted;
  };

  const busy = () => root.dataset.state === 'issuing' || root.dataset.state === 'revoking';

  const issue = async () => {
    if (!session || busy()) return;
    const button = el('tap-issue');
    button.disabled = true;
    showError('');
    el('tap-result').hidden = true;
    el('tap-revoke-result').hidden = true;
    setState('issuing');
    const sessionHeaders = { authorization: 'Bearer ' + session.sessionToken, 'x-csrf-token': session.csrfToken };
    if (!actionToken) {
      // Each issue needs a fresh action token: ConnectWise confirms the member again first.
      say('Checking your ConnectWise sign-in…');
      const fresh = await freshActionToken('issue', sessionHeaders);
      if (!fresh.ok) {
        button.disabled = false;
        return stop('refused', fresh.detail);
      }
      actionToken = fresh.token;
    }
    say('Issuing the pass…');
    // Spent by this request whatever its outcome.
    const spend = actionToken;
    actionToken = null;
    const answer = await post(tapUrl, { reissue: el('tap-reissue').checked }, Object.assign({ 'x-action-token': spend }, sessionHeaders));
    button.disabled = false;
    // The button stays usable: a new try asks ConnectWise again for a fresh action token.
    if (!answer.ok) return stop('refused', answer.detail);
    showResult(answer.body);
    setState('done');
    say('');
  };

  const REVOKE_NOTE = {
    written: 'The internal note on this ticket says so.',
    pending: 'An internal note saying so is queued for this ticket.',
    failed: 'The internal note could not be written; check the connector\'s audit log.',
  };

  const revoke = async () => {
    if (!session || busy()) return;
    const button = el('tap-revoke');
    button.disabled = true;
    showError('');
    el('tap-revoke-result').hidden = true;
    setState('revoking');
    say('Checking your ConnectWise sign-in…');
    const sessionHeaders = { authorization: 'Bearer ' + session.sessionToken, 'x-csrf-token': session.csrfToken };
    const fresh = await freshActionToken('revoke', sessionHeaders);
    if (!fresh.ok) {
      button.disabled = false;
      return stop('refused', fresh.detail);
    }
    say('Revoking…');
    const answer = await post(revokeUrl, {}, Object.assign({ 'x-action-token': fresh.token }, sessionHeaders));
    button.disabled = false;
    if (!answer.ok) return stop('refused', answer.detail);
    const result = answer.body;
    const parts = result.revoked.map((pass) => 'Revoked the pass of ' + pass.userPrincipalName + ' (it would have expired ' + pass.display.expiresDateTime + ').');
    if (result.droppedSchedule) parts.push('The pass planned for ' + result.droppedSchedule.userPrincipalName + ' from ' + result.droppedSchedule.display.startDateTime + ' will not be issued.');
    parts.push(REVOKE_NOTE[result.note.status] || '');
    const box = el('tap-revoke-result');
    box.textContent = parts.filter(Boolean).join(' ');
    box.hidden = false;
    el('tap-result').hidden = true;
    setState('revoked');
    say('');
  };

  el('tap-issue').addEventListener('click', () => { void issue(); });
  el('tap-revoke').addEventListener('click', () => { void revoke(); });

  if (!ticketId) return stop('no-ticket', 'This page needs a ticket: open it with the Issue TAP button on a ConnectWise service ticket.');
  if (window.parent === window) return stop('outside-frame', 'Open this page from a ConnectWise service ticket (the Issue TAP button or pod); on its own it cannot tell who you are.');

  const hostTimer = setTimeout(() => {
    if (!host) stop('no-host', 'ConnectWise did not answer. Open this page from a ConnectWise service ticket, or reload the ticket.');
  }, HOST_TIMEOUT_MS);

  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || !originAllowed(event.origin)) return;
    if (host && event.origin !== host.origin) return;
    const message = parseMessage(event.data);
    if (!message) return;
    if (typeof message.event === 'string' && message._id != null) {
      if (host) acknowledge(message);
      else unacknowledged.push(message);
      return;
    }
    if (!host && message.MessageFrameID != null) {
      clearTimeout(hostTimer);
      host = { origin: event.origin, frameId: String(message.MessageFrameID) };
      unacknowledged.splice(0).forEach(acknowledge);
      setState('verifying');
      say('Asking ConnectWise who is signed in…');
      void startSession();
      return;
    }
    const isMemberReply = typeof message.response === 'string' && message.response.toLowerCase() === 'getmemberauthentication';
    if (host && isMemberReply) {
      const waiters = memberWaiters;
      memberWaiters = [];
      waiters.forEach((waiter) => waiter(message.data));
    }
  });
  // ConnectWise's client library announces itself first; the host answers with the frame id.
  readyTargets().forEach((origin) => window.parent.postMessage(JSON.stringify({ message: 'ready' }), origin));
  setState('waiting');
  say('Connecting to ConnectWise…');
})();
`;
