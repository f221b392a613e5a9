// Card payment on an order page. Stripe.js turns the card form into a token
// (card numbers never reach Trove); the store pays the order with it. When the
// bank asks for 3-D Secure, Stripe.js handles it and the store confirms.
(function () {
  'use strict';

  function message(body) {
    if (body && typeof body === 'object') {
      for (const value of Object.values(body)) {
        if (typeof value === 'string') return value;
      }
    }
    return 'The payment did not go through. Please try again.';
  }

  async function call(endpoint, fields) {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error(message(body));
    return body;
  }

  function start(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = '1';
    const number = form.dataset.order;
    const stripe = Stripe(form.dataset.key);
    const card = stripe.elements().create('card');
    card.mount('#card-element');
    const status = document.getElementById('card-status');
    const button = document.getElementById('pay-button');

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.disabled = true;
      status.textContent = 'Paying…';
      try {
        const { token, error } = await stripe.createToken(card);
        if (error || !token) throw new Error((error && error.message) || 'Please check the card details.');
        let outcome = await call('/api/orders/pay', { number, token: token.id });
        if (outcome && outcome.NeedsAction) {
          const result = await stripe.confirmCardPayment(outcome.NeedsAction.client_secret);
          if (result.error) throw new Error(result.error.message || 'The bank did not confirm the payment.');
          outcome = await call('/api/orders/confirm', { number });
        }
        status.textContent = 'Paid. Thank you!';
        window.location.assign('/orders/' + number);
      } catch (failure) {
        status.textContent = failure.message;
        button.disabled = false;
      }
    });
  }

  // Stripe.js and this script may load in either order, and hydration may
  // still be under way: start once both are ready.
  function poll(tries) {
    const form = document.getElementById('card-payment');
    if (!form) return;
    const hydrated = document.body.hasAttribute('data-hydrated') || tries > 40;
    if (typeof Stripe === 'function' && hydrated) start(form);
    else if (tries < 200) setTimeout(() => poll(tries + 1), 50);
  }
  poll(0);
})();
