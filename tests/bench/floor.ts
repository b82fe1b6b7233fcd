/**
 * The floor of the end-to-end bench (e2e.ts): Deno doing nothing but wake
 * once a second, run with the same flags as smr. What an idle smr costs
 * beyond this is smr's own.
 */
setInterval(() => {}, 1000);
