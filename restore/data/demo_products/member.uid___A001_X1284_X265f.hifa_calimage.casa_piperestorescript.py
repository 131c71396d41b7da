from recipes.almahelpers import fixsyscaltimes # SACM/JAO - Fixes
__rethrow_casa_exceptions = True
h_init()
try:
    hifa_restoredata (vis=['uid___A002_Xc7111c_X3979', 'uid___A002_Xc7111c_X409e', 'uid___A002_Xc7111c_X86a7', 'uid___A002_Xc72427_X2dfe'], session=['session_1', 'session_1', 'session_1', 'session_2'], ocorr_mode='ca')
finally:
    h_save()
