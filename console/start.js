// dingpush console, last: the page as it opens (signed in from this tab's token, or asking for one).
'use strict';
/* global state, applyLanguage, signedIn, showTab, showLogin */

applyLanguage();
if (state.token) {
  signedIn().then(
    () => showTab('robots'),
    () => showLogin(),
  );
} else {
  showLogin();
}
