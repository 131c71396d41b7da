from recipes.almahelpers import fixsyscaltimes # SACM/JAO - Fixes
__rethrow_casa_exceptions = True
h_init()
try:
    hifa_restoredata (vis=['uid___A002_Xe0cd4d_X1e27', 'uid___A002_Xe0cd4d_X2a1f', 'uid___A002_Xe1d2cb_X7a9', 'uid___A002_Xe1f219_X10f2', 'uid___A002_Xe1f219_Xc03'], session=['session_1', 'session_1', 'session_2', 'session_3', 'session_3'], ocorr_mode='ca')
finally:
    h_save()
