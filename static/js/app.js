// Small progressive enhancements; every page works without this file.
// CSP: this is the only script; it never writes HTML from data (textContent only) and never
// touches element.style (classes and SVG attributes only).
"use strict";

(() => {
  const announcer = () => document.getElementById("announcer");

  /** Say something to screen readers through the polite live region. */
  function announce(text) {
    const region = announcer();
    if (!region) return;
    region.textContent = "";
    // A fresh text node after a tick, so the same message ("Copied") is announced again.
    window.setTimeout(() => { region.textContent = text; }, 50);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ---------- copy buttons ----------

  function copySource(button) {
    const holder = button.closest("figure, .copyable");
    if (!holder) return null;
    return holder.querySelector("pre") || holder.querySelector("code");
  }

  function legacyCopy(text) {
    const area = el("textarea", "visually-hidden");
    area.value = text;
    area.setAttribute("readonly", "");
    area.setAttribute("aria-hidden", "true");
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }

  function selectContents(node) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // ---------- a suggested connection string, copied with the password typed on the page ----------

  // The page shows a suggestion's password as *** in a [data-password-slot] span (the server
  // never renders it). Copy puts in the password of the connection form: its password field,
  // else the one in the pasted string, percent-encoded as Python's quote(password, safe='').

  const PLACEHOLDER = /^\[.*\]$|^<.*>$|your[-_ ]?password|^\*+$|^password$/i;
  const HOSTLIKE = /^[A-Za-z0-9.\-_%,:[\]]*$/;

  /** %xx runs decoded where they are UTF-8, the rest kept (as Python's unquote does). */
  function lenientDecode(text) {
    return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try { return decodeURIComponent(run); } catch (e) { return run; }
    });
  }

  /** The password a connection string holds (URI user info or query, or key=value), or "". */
  function passwordInString(text) {
    const t = String(text || "").trim();
    let raw = null;
    const scheme = /^[A-Za-z][A-Za-z0-9+.\-]*:\/\//.exec(t);
    if (scheme) {
      const rest = t.slice(scheme[0].length);
      // The user info ends at the last `@` that a host follows (as the inspector parses it).
      for (let i = rest.lastIndexOf("@"); i >= 0; i = i > 0 ? rest.lastIndexOf("@", i - 1) : -1) {
        if (HOSTLIKE.test(rest.slice(i + 1).split(/[/?]/, 1)[0])) {
          const info = rest.slice(0, i);
          const colon = info.indexOf(":");
          if (colon >= 0) raw = lenientDecode(info.slice(colon + 1));
          break;
        }
      }
      const query = /[?&]password=([^&]*)/.exec(rest);
      if (query) raw = lenientDecode(query[1]);
    } else {
      const kv = /(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/.exec(t);
      if (kv) {
        raw = kv[1];
        if (raw.startsWith("'")) raw = raw.slice(1, -1).replace(/\\(.)/g, "$1");
      }
    }
    return raw && !PLACEHOLDER.test(raw) ? raw : "";
  }

  function typedPassword() {
    const form = document.getElementById("connection-form");
    if (!form) return "";
    const field = form.elements.namedItem("password");
    if (field && field.value) return field.value;
    const url = form.elements.namedItem("url");
    return url ? passwordInString(url.value) : "";
  }

  /** encodeURIComponent, plus the five characters it leaves and Python's quote does not. */
  function encodePassword(password) {
    return encodeURIComponent(password).replace(/[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  }

  /** The text to copy: the source's, with the typed password in its slot when there is one. */
  function textToCopy(source) {
    const slot = source.querySelector("[data-password-slot]");
    const password = slot ? typedPassword() : "";
    if (!slot || !password) return { text: source.textContent, filled: false };
    let encoded;
    try { encoded = encodePassword(password); } catch (e) {
      return { text: source.textContent, filled: false };  // a lone surrogate: not encodable
    }
    const copyOf = source.cloneNode(true);
    copyOf.querySelector("[data-password-slot]").textContent = encoded;
    return { text: copyOf.textContent, filled: true };
  }

  async function copy(button) {
    const source = copySource(button);
    if (!source) return;
    const { text, filled } = textToCopy(source);
    let ok = false;
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(text); ok = true; } catch (e) { ok = false; }
    }
    if (!ok) ok = legacyCopy(text);
    window.clearTimeout(button._resetTimer);
    if (ok) {
      button.dataset.state = "copied";
      button.textContent = "Copied";
      announce(filled ? "Copied with your password" : "Copied");
    } else {
      selectContents(source);
      button.dataset.state = "failed";
      button.textContent = "Press Ctrl+C";
      announce("Selected: press Control C to copy");
    }
    button._resetTimer = window.setTimeout(() => {
      button.textContent = "Copy";
      delete button.dataset.state;
    }, 2000);
  }

  function initCopyButtons(root) {
    for (const button of root.querySelectorAll("button.copy")) {
      if (button.dataset.ready) continue;
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", () => { copy(button); });
    }
  }

  // ---------- show / hide secret fields ----------

  function initSecretToggles(root) {
    for (const field of root.querySelectorAll('[data-secret="1"]')) {
      if (field.dataset.ready || !field.id) continue;
      field.dataset.ready = "1";
      const isPassword = field.tagName === "INPUT" && field.type === "password";
      const button = el("button", "reveal small");
      button.type = "button";
      button.setAttribute("aria-controls", field.id);
      const label = document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
      const name = label ? label.textContent.trim() : "field";
      let hidden = isPassword;
      const render = () => {
        // The visible word says the action; the title names the field. (No aria-label: it
        // would make the button a second match for the field's own label.)
        button.textContent = hidden ? "Show" : "Hide";
        button.title = `${hidden ? "Show" : "Hide"} what is typed in "${name}"`;
        if (field.tagName === "INPUT") field.type = hidden ? "password" : "text";
        else field.classList.toggle("concealed", hidden);
      };
      button.addEventListener("click", () => {
        hidden = !hidden;
        render();
        announce(hidden ? `${name} hidden` : `${name} shown`);
      });
      render();
      // Put the button on the label's line: <div class="field-head"><label/>button</div>.
      if (label && label.parentElement === field.parentElement) {
        const head = el("div", "field-head");
        label.insertAdjacentElement("beforebegin", head);
        head.append(label, button);
      } else {
        field.insertAdjacentElement("afterend", button);
      }
    }
  }

  // ---------- Ctrl/Cmd+Enter submits from a textarea ----------

  function initSubmitShortcut() {
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
      const target = event.target;
      if (!(target instanceof HTMLTextAreaElement) || !target.form) return;
      event.preventDefault();
      target.form.requestSubmit();
    });
  }

  // ---------- token and connection pages: re-inspect as you type, through the JSON API ----------

  // The signature's words and look come with the JSON (signature.label, .tone, .icon: the
  // server's vocabulary); only a finding's severity icon is drawn from here.
  const SEVERITY_ICON = { error: "✖", warning: "▲", info: "ℹ" };

  /** Append text to node, with `backticked` spans as <code> (as the server's macros do). */
  function appendTicks(node, text) {
    const pieces = String(text).split("`");
    if (pieces.length < 3 || pieces.length % 2 === 0) { node.append(String(text)); return; }
    pieces.forEach((piece, i) => node.append(i % 2 ? el("code", "", piece) : piece));
  }

  function badge(text, kind, icon) {
    const node = el("span", `badge badge-${kind}`);
    if (icon) {
      const i = el("span", "", icon);
      i.setAttribute("aria-hidden", "true");
      node.append(i, " ");
    }
    node.append(text);
    return node;
  }

  function liveRegion(form, fieldName) {
    let region = document.getElementById("live-summary");
    if (!region) {
      region = el("div", "live-summary");
      region.id = "live-summary";
      region.setAttribute("aria-live", "polite");
      region.setAttribute("aria-atomic", "true");
      region.hidden = true;
      // Right under the main field, where the eyes are while pasting.
      const mainField = form.elements.namedItem(fieldName);
      const anchor = mainField && mainField.closest(".field");
      if (anchor) anchor.insertAdjacentElement("afterend", region);
      else form.appendChild(region);
    }
    return region;
  }

  function fieldValue(form, name) {
    const f = form.elements.namedItem(name);
    return f && typeof f.value === "string" ? f.value : "";
  }

  function connectionBody(form) {
    // Static checks only: typing never opens a connection anywhere.
    const value = (name) => fieldValue(form, name);
    const body = { url: value("url"), probe: false };
    if (value("password")) body.password = value("password");
    if (value("driver")) body.driver = value("driver");
    const ca = value("ca");
    if (ca === "pem") { if (value("ca_pem").trim()) body.ca = value("ca_pem"); }
    else if (ca) body.ca = ca;
    return body;
  }

  function tokenBody(form) {
    const value = (name) => fieldValue(form, name);
    const body = { token: value("token") };
    for (const name of ["key", "audience", "project"]) {
      if (value(name).trim()) body[name] = value(name);
    }
    const leeway = value("leeway").trim();
    if (leeway && !Number.isNaN(Number(leeway))) body.leeway = Number(leeway);
    const configured = form.elements.namedItem("use_configured_secret");
    if (configured && configured.type === "checkbox" && configured.checked) body.use_configured_secret = true;
    // Typing never fetches an issuer's keys (Inspect does, when "Discover keys" is on).
    body.discover = false;
    return body;
  }

  function renderSummary(region, report) {
    region.replaceChildren();
    const line = el("div", "live-line");
    line.append(el("strong", "", "As you type:"));
    const kindName = report.kind || report.host_kind;
    if (kindName) {
      const kind = el("span", "badge badge-kind", kindName);
      kind.dataset.kind = kindName;
      line.append(kind);
    }
    const sig = report.signature || {};
    if (sig.status) {
      const b = badge(`signature ${sig.label}`, sig.tone, sig.icon);
      b.dataset.status = sig.status;
      line.append(b);
    }
    region.append(line);
    // The token's answer is the server's own headline (a valid signature is not headed by a
    // warning); the connection's, its worst static finding.
    const headline = report.headline;
    if (headline && headline.text) {
      const p = el("p", `live-first finding-${headline.tone === "muted" ? "info" : headline.tone}`);
      const icon = el("span", "", headline.icon || "•");
      icon.setAttribute("aria-hidden", "true");
      p.append(icon, " ", el("strong", "", headline.text));
      region.append(p);
      if (headline.fix) {
        const fix = el("p", "fix");
        fix.append(el("span", "fix-label", "Fix:"), " ");
        appendTicks(fix, headline.fix);
        region.append(fix);
      }
      region.append(el("p", "live-note", "Press Inspect for the full report."));
      region.hidden = false;
      return;
    }
    const findings = Array.isArray(report.findings) ? report.findings : [];
    const first = findings.find((f) => f.severity === "error") || findings.find((f) => f.severity === "warning");
    if (first) {
      const p = el("p", `live-first finding-${first.severity}`);
      const sev = el("span", `sev sev-${first.severity}`);
      const icon = el("span", "", SEVERITY_ICON[first.severity] || "•");
      icon.setAttribute("aria-hidden", "true");
      sev.append(icon, ` ${first.severity}`);
      p.append(sev, " ", el("strong", "", first.title));
      if (first.detail) { p.append(": "); appendTicks(p, first.detail); }
      region.append(p);
      if (first.fix) {
        const fix = el("p", "fix");
        fix.append(el("span", "fix-label", "Fix:"), " ");
        appendTicks(fix, first.fix);
        region.append(fix);
      }
    } else {
      region.append(el("p", "sev-ok", "No errors or warnings."));
    }
    region.append(el("p", "live-note", report.host_kind !== undefined
      ? "Static checks as you type (nothing is sent to the host): press Inspect to probe it live."
      : "Press Inspect for the full report."));
    region.hidden = false;
  }

  // Each live form: its main field, default API address and request body.
  const LIVE_FORMS = [
    { id: "token-form", field: "token", api: "/api/v1/token", body: tokenBody },
    { id: "connection-form", field: "url", api: "/api/v1/connection", body: connectionBody },
  ];

  function initLiveForms() {
    for (const spec of LIVE_FORMS) {
      const form = document.getElementById(spec.id);
      if (form) initLive(form, spec);
    }
  }

  function initLive(form, spec) {
    if (!window.fetch || form.dataset.live === "off") return;
    const api = form.dataset.api || spec.api;
    const region = liveRegion(form, spec.field);
    let timer = 0;
    let controller = null;
    let seq = 0;

    async function inspect() {
      const body = spec.body(form);
      if (!String(body[spec.field] || "").trim()) {
        region.hidden = true;
        region.replaceChildren();
        return;
      }
      if (controller) controller.abort();
      controller = new AbortController();
      const mine = ++seq;
      region.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(api, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(body),
          credentials: "same-origin",
          cache: "no-store",
          signal: controller.signal,
        });
        const data = await response.json().catch(() => null);
        if (mine !== seq) return;
        if (response.ok && data) {
          renderSummary(region, data);
        } else {
          region.replaceChildren(el("p", "muted",
            (data && data.error && data.error.message) || `Live check unavailable (${response.status}).`));
          region.hidden = false;
        }
      } catch (e) {
        if (e && e.name === "AbortError") return;
        if (mine === seq) {
          region.replaceChildren(el("p", "muted", "Live check unavailable: press Inspect."));
          region.hidden = false;
        }
      } finally {
        if (mine === seq) region.removeAttribute("aria-busy");
      }
    }

    const schedule = (event) => {
      if (event && event.target === region) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(inspect, 300);
    };
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  }

  // ---------- after a form post: bring the answer into view ----------

  function revealResult() {
    // The result is rendered only after a submit. If it starts below the first screen (a phone),
    // scroll to it and move focus there so screen readers read it (without JS, forms can
    // point their action at #result for the same effect).
    const result = document.getElementById("result");
    if (!result || location.hash || !result.firstElementChild) return;
    if (result.getBoundingClientRect().top < window.innerHeight * 0.6) return;
    if (!result.hasAttribute("tabindex")) result.setAttribute("tabindex", "-1");
    result.focus({ preventScroll: true });
    result.scrollIntoView({ block: "start" });
  }

  function init() {
    revealResult();
    initCopyButtons(document);
    initSecretToggles(document);
    initSubmitShortcut();
    initLiveForms();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  // For tests and other scripts: re-run the enhancements on content added later.
  window.inspector = { initCopyButtons, initSecretToggles, announce };
})();
