import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Built into the jar's static/app/, which the server serves at /app (unknown paths fall back to index.html).
// `npm run dev` serves it on 5173 and sends FHIR, OAuth and the sign-in pages to a server on 8080.
export default defineConfig({
  base: '/app/',
  plugins: [vue()],
  build: {
    outDir: 'target/classes/static/app',
    emptyOutDir: true,
    // Cornerstone (the viewer) is its own chunk, loaded when a study is opened; the pages stay small.
    chunkSizeWarningLimit: 4000,
  },
  server: {
    proxy: Object.fromEntries(['/fhir', '/oauth2', '/signin', '/account', '/userinfo', '/.well-known', '/signin-assets', '/dicomweb', '/cds-services']
      .map((path) => [path, 'http://127.0.0.1:8080'])),
  },
})
