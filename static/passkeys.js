// Passkeys (WebAuthn): the browser's half of each ceremony. The server sends the options as
// JSON (binary values in base64url), keeps the challenge, and checks the answer; this file only
// converts between JSON and the ArrayBuffers navigator.credentials wants. Each piece is hidden
// in the page until this script shows it, so without JavaScript (or WebAuthn) nothing offers
// what cannot work, and the password and code forms still do.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !window.fetch) { return; }

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: toBuffer(d.id), transports: d.transports };
    });
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body || {}),
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) {
          throw new Error(answer.error || "That did not work. Reload the page and try again.");
        }
        return answer;
      });
    });
  }

  // A credential as JSON for the server: the fields both ceremonies share, and its response.
  function asJSON(credential, response) {
    return {
      id: credential.id, rawId: toText(credential.rawId), type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: response
    };
  }

  function create(options) {
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return navigator.credentials.create({ publicKey: options }).then(function (made) {
      var response = made.response;
      return asJSON(made, {
        clientDataJSON: toText(response.clientDataJSON),
        attestationObject: toText(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : []
      });
    });
  }

  function get(options) {
    options.challenge = toBuffer(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return navigator.credentials.get({ publicKey: options }).then(function (found) {
      var response = found.response;
      return asJSON(found, {
        clientDataJSON: toText(response.clientDataJSON),
        authenticatorData: toText(response.authenticatorData),
        signature: toText(response.signature),
        userHandle: toText(response.userHandle)
      });
    });
  }

  function explain(problem) {
    if (problem && problem.name === "NotAllowedError") {
      return "The passkey request was cancelled or timed out. Try again when you are ready.";
    }
    if (problem && problem.name === "InvalidStateError") {
      return "This device already holds a passkey for your account.";
    }
    if (problem && problem.name === "SecurityError") {
      return "Passkeys do not work at this address. Use the site's usual https address.";
    }
    return (problem && problem.message) || "The passkey did not work. Try again.";
  }

  function show(element, message) {
    element.textContent = message;
    element.hidden = false;
  }

  // /account/passkeys: a name and the password, then the device makes the passkey.
  var register = document.getElementById("passkey-register");
  if (register) {
    register.hidden = false;
    var registerError = document.getElementById("passkey-register-error");
    register.addEventListener("submit", function (event) {
      event.preventDefault();
      registerError.hidden = true;
      var csrf = register.dataset.csrf;
      var name = register.elements.name.value;
      post(register.dataset.options, csrf, { name: name, password: register.elements.password.value })
        .then(create)
        .then(function (credential) {
          return post(register.dataset.register, csrf, { name: name, credential: credential });
        })
        .then(function (answer) { window.location.assign(answer.redirect); })
        .catch(function (problem) { show(registerError, explain(problem)); });
    });
  }

  // The second step of sign-in, and (where allowed) signing in with a passkey alone.
  Array.prototype.forEach.call(document.querySelectorAll(".passkey-sign-in"), function (box) {
    var button = box.querySelector("button");
    var error = box.querySelector(".error");
    box.hidden = false;
    button.addEventListener("click", function () {
      error.hidden = true;
      button.disabled = true;
      post(box.dataset.options, box.dataset.csrf)
        .then(get)
        .then(function (credential) {
          return post(box.dataset.verify, box.dataset.csrf,
                      { credential: credential, next: box.dataset.next || "" });
        })
        .then(function (answer) { window.location.assign(answer.redirect); })
        .catch(function (problem) {
          button.disabled = false;
          show(error, explain(problem));
        });
    });
  });

  // Signing and co-signing: a user-verified passkey instead of the password (and code).
  Array.prototype.forEach.call(document.querySelectorAll(".passkey-step-up"), function (box) {
    var form = box.closest("form");
    var button = box.querySelector("button");
    var error = box.querySelector(".error");
    box.hidden = false;
    button.addEventListener("click", function () {
      error.hidden = true;
      post(box.dataset.options, box.dataset.csrf)
        .then(get)
        .then(function (credential) {
          form.elements.passkey.value = JSON.stringify(credential);
          ["password", "code"].forEach(function (name) {
            if (form.elements[name]) { form.elements[name].required = false; }
          });
          form.requestSubmit(document.getElementById(box.dataset.submit));
        })
        .catch(function (problem) { show(error, explain(problem)); });
    });
  });
}());
