import type { Context } from 'hono';
import type { ConnectWiseState } from './state.js';

/**
 * A stand-in for the ConnectWise web UI around a Hosted API page, as strict as ConnectWise's Hosted API
 * (reference/specs/connectwise-hosted-api-evidence.md): it frames the connector's page with `[cw_id]`/`[cw_screen]`
 * replaced and speaks the postMessage protocol in JSON strings —
 *  - it waits for the page's `{"message":"ready"}` and only then sends `{MessageFrameID}`, then the `onLoad` event;
 *  - it answers `{hosted_request:"getMemberAuthentication", frameID}` (with its own frame id) with the member's
 *    authentication, and ignores `request` (ConnectWise silently ignores it) and any message without the frame id;
 *  - every event it sends (`onLoad`, and `beforeSave` when "Save" is pressed) carries an `_id` and stays
 *    unacknowledged until the page answers `{event, _id, result:"success"|"failure", frameID}`; "Save" completes only
 *    on a successful acknowledgement, as a pod's beforeSave blocks the real screen.
 * The count of unacknowledged events is shown on the page (#cw-unacknowledged). `window.cwHost` keeps every message
 * both ways and every protocol violation, and `window.cwHostEvents` the messages received, for browser tests.
 */
export function hostedHostPage(c: Context, state: ConnectWiseState, siteHost: string): Response {
  const rawUrl = c.req.query('url');
  const id = c.req.query('id') ?? '';
  const member = state.member(c.req.query('member') ?? state.members[0]?.identifier ?? '');
  if (!rawUrl || !/^https?:\/\//i.test(rawUrl)) return c.text('url must be an absolute http(s) URL', 400);
  if (!/^\d+$/.test(id)) return c.text('id must be a ticket id', 400);
  if (!member) return c.text('unknown member', 400);

  const src = rawUrl.replaceAll('[cw_id]', encodeURIComponent(id)).replaceAll('[cw_screen]', 'ticket');
  const config = {
    src,
    frameId: `cw-frame-${Math.random().toString(36).slice(2, 10)}`,
    id: Number(id),
    auth: {
      site: siteHost,
      companyid: state.seed.companyId,
      memberid: member.identifier,
      memberHash: member.memberHash,
      memberEmail: member.officeEmail,
      memberContext: state.memberContext(member),
    },
  };
  // JSON inside <script>: escape "<" so a crafted URL cannot close the script element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>Service Ticket #${config.id} - ConnectWise PSA (sandbox)</title></head>
<body>
<h1>Service Ticket #${config.id}</h1>
<p>Unacknowledged Hosted API events: <strong id="cw-unacknowledged" data-count="0">0</strong>
 · <button type="button" id="cw-save">Save</button> <span id="cw-save-status" data-state="idle"></span></p>
<iframe id="hosted" title="Hosted API" style="width:100%;height:640px;border:1px solid #ccc"></iframe>
<script>
const cfg = ${json};
const frame = document.getElementById('hosted');
const target = new URL(cfg.src).origin;
const host = { received: [], sent: [], violations: [], pending: new Map(), ready: false };
window.cwHost = host;
window.cwHostEvents = host.received;
let nextEventId = 1;
const showPending = () => {
  const badge = document.getElementById('cw-unacknowledged');
  badge.textContent = String(host.pending.size);
  badge.dataset.count = String(host.pending.size);
};
const send = (message) => {
  host.sent.push(message);
  frame.contentWindow.postMessage(JSON.stringify(message), target);
};
const sendEvent = (event, data, onAck) => {
  const _id = 'evt-' + nextEventId++;
  host.pending.set(_id, { event, onAck });
  showPending();
  send({ event, _id, data });
};
const violation = (text, message) => { host.violations.push({ text, message }); };
window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow) return;
  if (event.origin !== target) return violation('message from an unexpected origin ' + event.origin, event.data);
  if (typeof event.data !== 'string') return violation('message is not a JSON string', event.data);
  let message;
  try { message = JSON.parse(event.data); } catch (e) { return violation('message is not JSON', event.data); }
  host.received.push(message);
  if (!host.ready) {
    if (message && message.message === 'ready') {
      host.ready = true;
      send({ MessageFrameID: cfg.frameId });
      sendEvent('onLoad', { screen: 'ticket', id: cfg.id });
      return;
    }
    return violation('message before "ready"', message);
  }
  if (message.message === 'ready') return;
  if (message.frameID !== cfg.frameId) return violation('message without this frame\\'s frameID', message);
  if ('request' in message) return violation('"request" is ignored by ConnectWise; send "hosted_request"', message);
  if (typeof message.event === 'string' && message._id !== undefined) {
    const waiting = host.pending.get(message._id);
    if (!waiting || waiting.event !== message.event) return violation('acknowledgement of an event never sent', message);
    if (message.result !== 'success' && message.result !== 'failure') return violation('acknowledgement without result', message);
    host.pending.delete(message._id);
    showPending();
    if (waiting.onAck) waiting.onAck(message.result);
    return;
  }
  if (message.hosted_request === 'getMemberAuthentication') {
    send({ response: 'getmemberauthentication', data: cfg.auth });
    return;
  }
  violation('unknown message', message);
});
document.getElementById('cw-save').addEventListener('click', () => {
  const status = document.getElementById('cw-save-status');
  if (!host.ready) { status.dataset.state = 'blocked'; status.textContent = 'The Hosted API page is not ready.'; return; }
  status.dataset.state = 'saving';
  status.textContent = 'Saving…';
  sendEvent('beforeSave', { screen: 'ticket', id: cfg.id }, (result) => {
    status.dataset.state = result === 'success' ? 'saved' : 'blocked';
    status.textContent = result === 'success' ? 'Saved.' : 'The pod refused the save.';
  });
});
frame.src = cfg.src;
</script>
</body></html>`;
  return c.html(html);
}
