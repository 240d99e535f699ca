import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyhub.settings")
application = get_wsgi_application()

# What start-up loaded lives as long as the worker: keep the garbage collector from walking
# it again on every collection (about a tenth of a thousand-row answer's time).
gc.freeze()
