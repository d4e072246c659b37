// The entry of mock.html (`vite build --mode mock`): the in-memory backend first, then the real
// app. ES modules run in import order, so every command the app sends finds the mock in place.
import './mockInstall';
import '../main';
