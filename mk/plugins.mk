# Python plugins: unit tests, lint, ansible-test sanity. Included by the main Makefile.

PLUGIN_PATHS := plugins tests/unit tests/sanity tests/fixtures tests/integration tests/rig molecule benchmarks roles/docker/files roles/pg_backup/files
# Outside the checkout: ansible-test takes its file list from the nearest .git above its
# working directory, so a mirror inside the checkout would look empty to it.
SANITY_ROOT ?= /tmp/golive-stack-sanity/ansible_collections/golive/stack

.PHONY: unit lint-python sanity get-pip-standin test-django-modules test-site-probe test-image-build

unit: venv
	$(BIN)/pytest -q tests/unit

lint-python: venv
	$(BIN)/ruff check $(PLUGIN_PATHS)
	$(BIN)/ruff format --check $(PLUGIN_PATHS)
	$(BIN)/mypy -p ansible_collections.golive.stack.plugins
	$(BIN)/mypy roles/pg_backup/files/golive_pg_backup.py

# ansible-test bootstraps pip in its venvs with a get-pip script it downloads from a host
# that is not reachable here; it uses a cached copy first. The file name carries the pip
# version ansible-test pins, read from its own source so an upgrade cannot go stale.
get-pip-standin: venv
	@version=$$($(BIN)/python -c 'import ansible_test._internal.python_requirements as m; \
	  import inspect, re; print(re.search(r"pip=.([0-9.]+).", inspect.getsource(m.get_venv_packages)).group(1))'); \
	  mkdir -p $(HOME)/.ansible/test/cache; \
	  install -m 0644 tests/sanity/get_pip_standin.py $(HOME)/.ansible/test/cache/get_pip_$${version//./_}.py

# ansible-test finds the collection from its path (.../ansible_collections/golive/stack) and
# its --venv delegation runs from os.getcwd(), which resolves symlinks: it tests a mirror of
# the files git knows (tracked, and untracked but not ignored), see tests/sanity/stage.py.
sanity: venv get-pip-standin
	$(BIN)/python tests/sanity/stage.py $(SANITY_ROOT)
	cd $(SANITY_ROOT) && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

# The Django modules for real: the demo app images against PostgreSQL on this machine's
# engine (demo-images brings the engine up); then django_site_probe and port_probe against
# the demo app served by gunicorn, healthy and broken one way at a time.
test-django-modules: venv demo-images collection-link
	$(BIN)/pytest -q tests/integration/test_django_modules.py tests/integration/test_site_probe.py

test-site-probe: venv demo-images collection-link
	$(BIN)/pytest -q tests/integration/test_site_probe.py

# build.yml for real: the demo app's source in a git repository, built at a given commit on
# this machine's engine, tagged with the commit and pushed to the rig registry.
test-image-build: venv images registry collection-link
	$(BIN)/pytest -q tests/integration/test_image_build.py
