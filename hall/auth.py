"""Login by username (staff) or phone number (citizens).

Something shaped like a mobile number is looked up as a phone first; staff usernames may not look like phones
(hall.services.staff) and citizens get generated usernames, so a login name means one account."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .services.accounts import PHONE_RE


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        username = str(username).strip()
        if not username or len(username) > 150 or len(password) > 4096:
            return None
        User = get_user_model()
        user = None
        if PHONE_RE.match(username):
            user = User._default_manager.filter(phone=username).first()
        if user is None:
            user = User._default_manager.filter(username=username).first()
        if user is None:
            # Spend the same time as a real check so that timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
