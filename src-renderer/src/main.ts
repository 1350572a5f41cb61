import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createApi } from './lib/api/index.js';
import { AppState } from './lib/state/app.svelte.js';

const app = new AppState(createApi());
mount(App, { target: document.getElementById('app')!, props: { app } });
