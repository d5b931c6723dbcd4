/**
 * The hosted page's one script, served inline under a per-response CSP nonce. Plain browser JavaScript in a string:
 * the project's TypeScript has no DOM types, and the page needs no bundler for ~150 lines.
 *
 * Protocol (reference/connectwise.md, "Buttons inside the ticket"): messages are JSON strings. ConnectWise first sends
 * `{MessageFrameID}`; we answer `{hosted_request:"getMemberAuthentication", frameID}`; ConnectWise replies
 * `{response:"getmemberauthentication", data:{companyid, memberid, memberHash, memberContext, ...}}`. Only messages
 * from the configured frame-ancestor origins count, and replies go to that exact origin, never "*".
 *
 * Progress is mirrored in `data-state` on #tap-app (waiting, outside-frame, no-ticket, no-host, verifying, ready,
 * issuing, done, refused) so a browser test can wait for a state instead of sleeping.
 */
export const HOSTED_PAGE_SCRIPT = String.raw`(() => {
  'use strict';
  const root = document.getElementById('tap-app');
  const el = (id) => document.getElementById(id);
  const ticketId = root.dataset.ticketId || '';
  const allowed = JSON.parse(root.dataset.frameOrigins || '[]');
  const sessionUrl = new URL(root.dataset.sessionPath, window.location.href).href;
  const tapUrl = new URL(root.dataset.tapPath, window.location.href).href;
  const HOST_TIMEOUT_MS = Number(root.dataset.hostTimeoutMs || '10000');

  let host = null;
  let authReceived = false;
  let session = null;

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

  const startSession = async (data) => {
    if (!data || typeof data !== 'object') return stop('refused', 'ConnectWise did not share who is signed in; reload the ticket and try again.');
    setState('verifying');
    say('Checking your ConnectWise sign-in…');
    const body = {
      ticketId,
      companyid: String(data.companyid == null ? '' : data.companyid),
      memberid: String(data.memberid == null ? '' : data.memberid),
      memberHash: String(data.memberHash == null ? '' : data.memberHash),
    };
    if (data.memberContext != null) body.memberContext = String(data.memberContext);
    const answer = await post(sessionUrl, body, {});
    if (!answer.ok) return stop('refused', answer.detail);
    session = answer.body;
    showPreview(session.ticket);
    setState('ready');
    say('');
  };

  const issue = async () => {
    if (!session || root.dataset.state === 'issuing') return;
    const button = el('tap-issue');
    button.disabled = true;
    showError('');
    el('tap-result').hidden = true;
    setState('issuing');
    say('Issuing the pass…');
    const answer = await post(tapUrl, { reissue: el('tap-reissue').checked }, {
      authorization: 'Bearer ' + session.sessionToken,
      'x-csrf-token': session.csrfToken,
    });
    button.disabled = false;
    if (!answer.ok) return stop('refused', answer.detail);
    showResult(answer.body);
    setState('done');
    say('');
  };

  el('tap-issue').addEventListener('click', () => { void issue(); });

  if (!ticketId) return stop('no-ticket', 'This page needs a ticket: open it with the Issue TAP button on a ConnectWise service ticket.');
  if (window.parent === window) return stop('outside-frame', 'Open this page from a ConnectWise service ticket (the Issue TAP button or pod); on its own it cannot tell who you are.');

  const hostTimer = setTimeout(() => {
    if (!host) stop('no-host', 'ConnectWise did not answer. Open this page from a ConnectWise service ticket, or reload the ticket.');
  }, HOST_TIMEOUT_MS);

  window.addEventListener('message', (event) => {
    if (!originAllowed(event.origin)) return;
    const message = parseMessage(event.data);
    if (!message) return;
    if (!host && message.MessageFrameID != null && event.source) {
      clearTimeout(hostTimer);
      host = { source: event.source, origin: event.origin, frameId: String(message.MessageFrameID) };
      setState('verifying');
      say('Asking ConnectWise who is signed in…');
      host.source.postMessage(JSON.stringify({ hosted_request: 'getMemberAuthentication', frameID: host.frameId }), host.origin);
      return;
    }
    const isAuthReply = typeof message.response === 'string' && message.response.toLowerCase() === 'getmemberauthentication';
    if (host && !authReceived && isAuthReply && event.origin === host.origin) {
      authReceived = true;
      void startSession(message.data);
    }
  });
  setState('waiting');
  say('Connecting to ConnectWise…');
})();
`;
